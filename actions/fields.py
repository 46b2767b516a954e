"""Checking and normalising what a citizen types for each complaint field.

Rules from the domain brief §2: digits are normalised first (Devanagari digits, spaces,
hyphens and dots between digits); IDs stay strings. Every check returns a `Check`
with either the value to store or the reason it cannot be used, which picks the hint
the citizen sees. Text code uses the `regex` module so Devanagari vowel signs count as
parts of words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

# Field limits (characters), docs/architecture.md.
NAME_MAX = 120
LOCATION_MAX = 300
SERVICE_AGENCY_MAX = 200
OUTLET_MAX = 1000
DESCRIPTION_MAX = 5000

LPG_ID_DIGITS = 17
CONSUMER_NUMBER_MIN = 3
CONSUMER_NUMBER_MAX = 10

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_DIGIT_SEPARATOR = regex.compile(r"(?<=\d)[ \-./]+(?=\d)")
_DIGIT_RUN = regex.compile(r"\d+")
_URL = regex.compile(r"(?:https?://|www\.)\S+", regex.IGNORECASE)
# Control characters (tab and newline kept) and bidirectional overrides; the joiners
# that Devanagari uses (U+200C, U+200D) stay.
_CONTROL = regex.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_LINE_SEPARATORS = regex.compile(r"[\p{Zl}\p{Zp}\r]+")
_SPACES = regex.compile(r"[ \t]+")
_LETTER = regex.compile(r"[\p{L}\p{M}]")
_NAME_CHARS = regex.compile(r"^[\p{L}\p{M}][\p{L}\p{M} .'’\-]*$")
_PIN = regex.compile(r"(?<!\d)[1-9]\d{5}(?!\d)")
_MOBILE = regex.compile(r"^(?:91|0)?[6-9]\d{9}$")
_PHONE_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:mobile|mob|phone|ph|cell|whatsapp|मोबाइल|फ़ोन|फोन)"
    r"(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)
_OTP_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:otp|o\.t\.p|dac|one\s*time\s*password|verification\s*code"
    r"|delivery\s*code|ओटीपी|ओ\s*टी\s*पी)(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)
_AADHAAR_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:aadhaar|aadhar|adhar|adhaar|uid|आधार)(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)
_BANK_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:account|a/c|acct|acc|khata|khaata|ifsc|bank|खाता|बैंक)"
    r"(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)
_CARD_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:card|cvv|upi\s*pin|atm|कार्ड)(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)
_IFSC = regex.compile(r"(?<![A-Z0-9])[A-Z]{4}0[A-Z0-9]{6}(?![A-Z0-9])")

# Words that open an answer but are not part of it ("my name is ...", "mera naam ...").
_NAME_PREFIXES = regex.compile(
    r"^(?:(?:sorry|sry|maaf\s*kijiye|माफ़\s*कीजिए|माफ\s*कीजिए)[,\s]+)?"
    r"(?:my\s+name\s+is|my\s+name'?s|name|i\s+am|i'm|im|this\s+is|it'?s"
    r"|mera\s+naam|mera\s+nam|mera\s+name|naam|main|mai|mein"
    r"|मेरा\s+नाम|नाम|मैं)(?:\s*[:\-]\s*|\s+)",
    regex.IGNORECASE,
)
_NAME_SUFFIXES = regex.compile(
    r"\s+(?:hai|hain|hoon|hun|hu|h|है|हूँ|हूं|हुँ)\s*[.!।]*$", regex.IGNORECASE
)
_NOT_NAMES = {
    "hi", "hello", "hey", "hii", "namaste", "namaskar", "नमस्ते", "नमस्कार",
    "yes", "no", "ok", "okay", "haan", "han", "ha", "nahi", "nahin", "na", "हाँ",
    "हां", "नहीं", "ठीक", "theek", "thik", "thanks", "thank you", "shukriya",
    "धन्यवाद", "bye", "stop", "cancel", "help", "madad", "मदद", "pata nahi",
    "पता नहीं", "dont know", "don't know", "test", "hello sir", "sir", "madam",
    "ji", "जी", "unknown", "none", "nil", "na ji",
}  # fmt: skip

# Words that are never a name, a place, an agency or an outlet on their own: what an
# entity extractor sometimes takes from a sentence ("The petrol pump ..." gave "The").
_FUNCTION_WORDS = {
    "the", "a", "an", "my", "our", "your", "i", "me", "we", "it", "this", "that",
    "is", "was", "are", "at", "in", "on", "of", "to", "from", "near", "by", "for",
    "and", "or", "with", "here", "there", "petrol", "pump", "gas", "cylinder",
    "mera", "meri", "mere", "hamara", "hamari", "ka", "ki", "ke", "ko", "se", "me",
    "mein", "main", "mai", "par", "pe", "hai", "hain", "ho", "hoon", "hum", "ye",
    "yeh", "wo", "woh", "yahan", "wahan", "aur", "wala", "wali", "wale",
    "मेरा", "मेरी", "मेरे", "हमारा", "हमारी", "का", "की", "के", "को", "से", "में",
    "पर", "है", "हैं", "हूँ", "हूं", "मैं", "हम", "यह", "वह", "यहाँ", "वहाँ", "और",
    "वाला", "वाली", "वाले", "गैस", "सिलेंडर", "पेट्रोल", "पंप",
}  # fmt: skip
_WORD = regex.compile(r"[\p{L}\p{M}]+")


def only_function_words(text: str) -> bool:
    """True when every word of `text` is a word like "the", "mera" or "में"."""
    words = _WORD.findall(text.casefold())
    return bool(words) and all(word in _FUNCTION_WORDS for word in words)


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


@dataclass(frozen=True)
class Check:
    """The outcome of checking one answer: a value to store or a reason it can't be."""

    value: str | None = None
    reason: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.value is not None


def invalid(reason: str, **details: str) -> Check:
    return Check(reason=reason, details=details)


def normalise_digits(text: str) -> str:
    """Devanagari digits to ASCII and no separators inside a number."""
    return _DIGIT_SEPARATOR.sub("", text.translate(_DEVANAGARI_DIGITS))


def clean_text(text: str) -> str:
    """Without control characters (newline and tab kept), spaces collapsed, trimmed."""
    text = _CONTROL.sub("", _LINE_SEPARATORS.sub("\n", text))
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.strip().splitlines()).strip()


def without_urls(text: str) -> str:
    return _URL.sub(" ", text)


def has_url(text: str) -> bool:
    return bool(_URL.search(text))


def verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def sensitive_kind(text: str) -> str | None:
    """Which secret the text seems to carry (otp, aadhaar, bank, card), if any."""
    runs = _DIGIT_RUN.findall(normalise_digits(text))
    if _OTP_WORDS.search(text) and any(4 <= len(run) <= 8 for run in runs):
        return "otp"
    for run in runs:
        if len(run) == 12 and run[0] in "23456789":
            if _AADHAAR_WORDS.search(text) or verhoeff_valid(run):
                return "aadhaar"
    if _BANK_WORDS.search(text) and any(9 <= len(run) <= 18 for run in runs):
        return "bank"
    if _IFSC.search(text.upper()):
        return "bank"
    for run in runs:
        if 13 <= len(run) <= 19 and run != "0" * len(run) and len(run) != LPG_ID_DIGITS:
            if luhn_valid(run) or _CARD_WORDS.search(text):
                return "card"
    return None


def mask_numbers(text: str) -> str:
    """The text with every run of 4 or more digits replaced by X's."""
    return regex.sub(r"\d{4,}", lambda m: "X" * len(m.group()), normalise_digits(text))


def is_mobile_number(digits: str) -> bool:
    return bool(_MOBILE.match(digits))


def check_consumer_id(text: str) -> Check:
    """A 17-digit LPG ID or a distributor's consumer number of 3-10 digits."""
    if has_url(text) and not without_urls(text).strip():
        return invalid("media")
    normalised = normalise_digits(without_urls(text))
    runs = _DIGIT_RUN.findall(normalised)
    if not runs:
        return invalid("not_number")

    lpg_ids = [run for run in runs if len(run) == LPG_ID_DIGITS]
    if len(set(lpg_ids)) == 1:
        return Check(value=lpg_ids[0])

    phone_named = bool(_PHONE_WORDS.search(normalised))
    candidates = [run for run in runs if not is_mobile_number(run)]
    if not candidates:
        return invalid("phone")
    if phone_named and len(candidates) == len(runs) and len(runs) == 1:
        return invalid("phone")
    if len(set(candidates)) > 1:
        return invalid("several")

    number = candidates[0]
    if CONSUMER_NUMBER_MIN <= len(number) <= CONSUMER_NUMBER_MAX:
        return Check(value=number)
    return invalid("length", digits=str(len(number)))


def find_pin(text: str) -> str | None:
    match = _PIN.search(normalise_digits(text))
    return match.group() if match else None


def check_location(text: str) -> Check:
    """A town or village (letters), or a PIN code, 2-300 characters."""
    if has_url(text) and not without_urls(text).strip():
        return invalid("media")
    value = clean_text(without_urls(text)).replace("\n", ", ")
    letters = _LETTER.findall(value)
    if not letters:
        digits = normalise_digits(value).replace(" ", "")
        if _PIN.fullmatch(digits):
            return Check(value=digits)
        return invalid("pin_code")
    if len(letters) < 2:
        return invalid("not_place")
    if len(value) > LOCATION_MAX:
        return invalid("too_long")
    if value.casefold() in _NOT_NAMES or only_function_words(value):
        return invalid("not_place")
    return Check(value=value)


def check_name(text: str) -> Check:
    """Letters in any script, 2-120 characters, at most six words, not a greeting."""
    if has_url(text):
        return invalid("media")
    value = clean_text(text).replace("\n", " ")
    value = _NAME_PREFIXES.sub("", value, count=1)
    value = _NAME_SUFFIXES.sub("", value).strip(" .,!।")
    if len(value) > NAME_MAX:
        return invalid("too_long")
    if len(value) < 2 or not _NAME_CHARS.match(value):
        return invalid("not_name")
    if len(value.split()) > 6 or value.casefold() in _NOT_NAMES:
        return invalid("not_name")
    if only_function_words(value):
        return invalid("not_name")
    return Check(value=value)


def check_free_text(text: str, limit: int) -> Check:
    """Words (a link or attachment alone is not an answer) within `limit` characters."""
    if has_url(text) and not without_urls(text).strip():
        return invalid("media")
    value = clean_text(without_urls(text))
    if len(_LETTER.findall(value)) < 2 or only_function_words(value):
        return invalid("not_text")
    if len(value) > limit:
        return invalid("too_long")
    return Check(value=value)


def check_description(text: str) -> Check:
    """The citizen's account, kept whole up to the limit; `cut` says it was cut."""
    if has_url(text) and not without_urls(text).strip():
        return invalid("media")
    value = clean_text(without_urls(text))
    if len(_LETTER.findall(value)) < 3:
        return invalid("not_text")
    if len(value) > DESCRIPTION_MAX:
        return Check(value=value[:DESCRIPTION_MAX], details={"cut": "true"})
    return Check(value=value)


def append_description(description: str | None, extra: str) -> tuple[str, bool]:
    """The description with `extra` added, and whether it had to be cut."""
    extra = clean_text(without_urls(extra))
    combined = f"{description}\n{extra}" if description else extra
    if len(combined) > DESCRIPTION_MAX:
        return combined[:DESCRIPTION_MAX], True
    return combined, False
