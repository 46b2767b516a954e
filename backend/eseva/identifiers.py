"""Normalising and validating the identifiers citizens type (domain.md §2)."""

from __future__ import annotations

import regex

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
SEPARATORS = regex.compile(r"[\s\-.\u2010-\u2015]+")
LPG_ID = regex.compile(r"\d{17}", flags=regex.ASCII)
CONSUMER_NUMBER = regex.compile(r"\d{1,10}", flags=regex.ASCII)


class IdentifierError(ValueError):
    """The text is not a valid identifier; the message says why."""


def normalise_digits(text: str) -> str:
    """Devanagari digits to ASCII; spaces, hyphens and dots dropped."""
    return SEPARATORS.sub("", text.translate(DEVANAGARI_DIGITS))


def normalise_consumer_id(text: str) -> str:
    """A 17-digit LPG ID or a 1-10 digit consumer number, as ASCII digits only.

    Leading zeros are kept: identifiers are strings, not numbers.
    """
    digits = normalise_digits(text)
    if not digits:
        raise IdentifierError("the consumer ID is empty")
    if not digits.isascii() or not digits.isdigit():
        raise IdentifierError("the consumer ID may contain digits only")
    if LPG_ID.fullmatch(digits) or CONSUMER_NUMBER.fullmatch(digits):
        return digits
    raise IdentifierError(
        "the consumer ID must be a 17-digit LPG ID or a consumer number of 1-10 digits"
    )
