"""Text fields as the API accepts them: trimmed, NFC, bounded, no control characters."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import regex
from pydantic import AfterValidator, BeforeValidator, Strict

# C0 and C1 control characters except tab and newline; also the Unicode line and
# paragraph separators and bidirectional overrides, which can disguise text.
_FORBIDDEN = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")


def _clean(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if _FORBIDDEN.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\t" in value:
        raise ValueError("must be a single line")
    return value


def _bounded(min_length: int, max_length: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) < min_length:
            raise ValueError(f"must be at least {min_length} characters")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    return AfterValidator(check)


def text(
    min_length: int = 0, max_length: int = 5000, single_line: bool = False
) -> object:
    """An annotated `str` type: cleaned, then length-checked (after trimming)."""
    parts: list[object] = [
        BeforeValidator(_clean),
        Strict(),
        _bounded(min_length, max_length),
    ]
    if single_line:
        parts.append(AfterValidator(_single_line))
    return Annotated[str, *parts]


FullName = text(2, 120, single_line=True)
Location = text(2, 300)
ServiceAgency = text(0, 200)
OutletDetails = text(0, 1000)
Description = text(0, 5000)
SenderId = text(1, 128, single_line=True)
Note = text(1, 5000)
Reason = text(1, 1000)
Office = text(1, 200, single_line=True)
MessageText = text(1, 10_000)
CollectedConsumerId = text(0, 64, single_line=True)
"""A consumer ID as the citizen typed it, before it passed validation."""
Username = text(3, 64, single_line=True)
DisplayName = text(2, 120, single_line=True)
