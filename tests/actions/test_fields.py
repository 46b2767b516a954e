"""The field checks of actions/fields.py: valid, invalid and normalised values."""

from __future__ import annotations

import pytest

from actions import fields


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("71000000123456789", "71000000123456789"),
        ("7100 0000 1234 56789", "71000000123456789"),
        ("7100-0000-1234-56789", "71000000123456789"),
        ("७१००००००१२३४५६७८९", "71000000123456789"),
        ("consumer no 45821", "45821"),
        ("४५८२१", "45821"),
        ("0045821", "0045821"),
        (
            "Indane consumer no 71000000123456789, mobile 9800000000",
            "71000000123456789",
        ),
        ("mera number 45821 hai, phone 9800000000", "45821"),
    ],
)
def test_consumer_id_accepts_and_normalises(text: str, expected: str) -> None:
    check = fields.check_consumer_id(text)

    assert check.ok
    assert check.value == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("pata nahi", "not_number"),
        ("abc", "not_number"),
        ("passbook ghar pe hai", "not_number"),
        ("12", "length"),
        ("123456789012345", "length"),
        ("9800000000", "phone"),
        ("+91 98000 00000", "phone"),
        ("mobile 1234567", "phone"),
        ("45821 or 77812", "several"),
        ("https://cdn.example.invalid/photo.jpg", "media"),
    ],
)
def test_consumer_id_rejects_with_a_reason(text: str, reason: str) -> None:
    check = fields.check_consumer_id(text)

    assert not check.ok
    assert check.reason == reason


def test_consumer_id_length_reason_says_how_many_digits() -> None:
    assert fields.check_consumer_id("12").details == {"digits": "2"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sunita Devi", "Sunita Devi"),
        ("  sunita   devi ", "sunita devi"),
        ("mera naam Sunita Devi hai", "Sunita Devi"),
        ("My name is Ramesh Kumar.", "Ramesh Kumar"),
        ("sorry, my name is Sunita Devi", "Sunita Devi"),
        ("मेरा नाम सुनीता देवी है", "सुनीता देवी"),
        ("सुनीता देवी", "सुनीता देवी"),
        ("Mainak Roy", "Mainak Roy"),
        ("D'Souza", "D'Souza"),
    ],
)
def test_name_accepts_letters_in_any_script(text: str, expected: str) -> None:
    check = fields.check_name(text)

    assert check.ok
    assert check.value == expected


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "Namaste",
        "नमस्ते",
        "yes",
        "12345",
        "Sunita 123",
        "a",
        "x" * 121,
        "mera cylinder teen din se nahi aaya hai kya karun",
        "http://example.invalid/x.png",
    ],
)
def test_name_rejects_what_is_not_a_name(text: str) -> None:
    assert not fields.check_name(text).ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rohtak", "Rohtak"),
        ("Rohtak, Haryana 124001", "Rohtak, Haryana 124001"),
        ("रोहतक", "रोहतक"),
        ("124001", "124001"),
        ("१२४००१", "124001"),
        ("124 001", "124001"),
    ],
)
def test_location_accepts_places_and_pin_codes(text: str, expected: str) -> None:
    check = fields.check_location(text)

    assert check.ok
    assert check.value == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("012345", "pin_code"),
        ("12345", "pin_code"),
        ("hi", "not_place"),
        ("x" * 301, "too_long"),
        ("https://maps.example.invalid/?q=1,2", "media"),
    ],
)
def test_location_rejects(text: str, reason: str) -> None:
    assert fields.check_location(text).reason == reason


def test_find_pin_normalises_devanagari_digits() -> None:
    assert fields.find_pin("रोहतक १२४००१") == "124001"
    assert fields.find_pin("call 9800000000") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("OTP is 4521", "otp"),
        ("mera otp ४५२१ hai", "otp"),
        ("my aadhaar 2345 6789 0124", "aadhaar"),
        ("account number 123456789012", "bank"),
        ("IFSC SBIN0001234", "bank"),
        ("card 4111 1111 1111 1111", "card"),
    ],
)
def test_secrets_are_recognised(text: str, kind: str) -> None:
    assert fields.sensitive_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "71000000123456789",
        "consumer 45821",
        "Rohtak 124001",
        "9800000000",
        "500 rupees",
    ],
)
def test_ordinary_numbers_are_not_secrets(text: str) -> None:
    assert fields.sensitive_kind(text) is None


def test_verhoeff_and_luhn() -> None:
    assert fields.verhoeff_valid("2363")
    assert not fields.verhoeff_valid("2364")
    assert fields.luhn_valid("4111111111111111")
    assert not fields.luhn_valid("4111111111111112")


def test_mask_numbers_hides_long_digit_runs() -> None:
    assert fields.mask_numbers("otp 4521 for 2 cylinders") == "otp XXXX for 2 cylinders"


def test_clean_text_removes_control_characters_but_keeps_hindi_joiners() -> None:
    assert fields.clean_text("a\x00b\u202e c\u2028d") == "ab c\nd"
    assert fields.clean_text("क्\u200dष") == "क्\u200dष"


def test_free_text_limits() -> None:
    assert fields.check_free_text("Shree Ganesh Gas", 200).value == "Shree Ganesh Gas"
    assert fields.check_free_text("x" * 201, 200).reason == "too_long"
    assert fields.check_free_text("12", 200).reason == "not_text"
    assert fields.check_free_text("https://x.invalid/a.jpg", 200).reason == "media"


def test_description_is_cut_at_the_limit_and_says_so() -> None:
    check = fields.check_description("gas nahi aayi " * 500)

    assert len(check.value or "") == fields.DESCRIPTION_MAX
    assert check.details == {"cut": "true"}


def test_append_description() -> None:
    text, cut = fields.append_description("first", "second")
    assert (text, cut) == ("first\nsecond", False)

    text, cut = fields.append_description("a" * 4990, "b" * 20)
    assert len(text) == fields.DESCRIPTION_MAX
    assert cut
