"""Consumer IDs are normalised (digits only) and validated (domain.md §2);
references are numbered by the year in India."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eseva.identifiers import IdentifierError, normalise_consumer_id, normalise_digits
from eseva.references import format_reference, reference_year


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("71000000123456789", "71000000123456789"),
        ("7100 0000 1234 56789", "71000000123456789"),
        ("7100-0000-1234-56789", "71000000123456789"),
        ("7100.0000.1234.56789", "71000000123456789"),
        ("७१००००००१२३४५६७८९", "71000000123456789"),
        ("७१०० ००००-१२३४ 56789", "71000000123456789"),
        ("  004512 ", "004512"),
        ("1", "1"),
        ("12345 67890", "1234567890"),
        ("१२३", "123"),
    ],
)
def test_consumer_ids_are_normalised(typed: str, stored: str) -> None:
    assert normalise_consumer_id(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "- -",
        "12345678901",  # 11 digits: neither a consumer number nor an LPG ID
        "1234567890123456",  # 16 digits
        "123456789012345678",  # 18 digits
        "12ab",
        "abc",
        "+91 98000 00000",
        "৫৫৫",  # Bengali digits are not converted
        "12/34",
    ],
)
def test_invalid_consumer_ids_are_refused(typed: str) -> None:
    with pytest.raises(IdentifierError):
        normalise_consumer_id(typed)


def test_leading_zeros_survive() -> None:
    assert normalise_consumer_id("0000001") == "0000001"


def test_normalise_digits_keeps_other_text() -> None:
    assert normalise_digits("MOPNG २०२६") == "MOPNG2026"


def test_the_reference_year_is_indias() -> None:
    new_year_in_india = datetime(2026, 12, 31, 19, 0, tzinfo=UTC)  # 00:30 IST
    assert reference_year(new_year_in_india) == 2027
    assert reference_year(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == 2026
    assert format_reference(2027, 42) == "MOPNG-2027-000042"
