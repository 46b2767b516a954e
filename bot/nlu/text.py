"""Small text helpers shared by the NLU components (Unicode-aware, `regex` module)."""

from __future__ import annotations

import regex

DEVANAGARI_DIGITS = "०१२३४५६७८९"
_DIGIT_TABLE = str.maketrans(DEVANAGARI_DIGITS, "0123456789")

# Letters and combining marks of the Devanagari block (U+0900-U+097F), digits excluded.
DEVANAGARI_LETTER = regex.compile(r"[\u0900-\u0965\u0970-\u097F]")
LATIN_LETTER = regex.compile(r"[A-Za-z]")
WORD = regex.compile(r"[\p{L}\p{M}]+")


def normalise_digits(text: str) -> str:
    """Devanagari digits to ASCII; the length (and so every span) is unchanged."""
    return text.translate(_DIGIT_TABLE)


def only_digits(text: str) -> str:
    """The ASCII digits of `text`, after normalising Devanagari digits."""
    return "".join(ch for ch in normalise_digits(text) if "0" <= ch <= "9")


def words(text: str) -> list[str]:
    """Words made of letters and combining marks (Devanagari vowel signs included)."""
    return WORD.findall(text)
