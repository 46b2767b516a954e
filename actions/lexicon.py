"""Words the bot recognises itself, whatever the NLU made of the message.

A safety net for the few answers where a misreading costs most: the emergency words
(a leak must get the safety steps), cancel, and yes / no at the confirmation. Matching
is case-folded on whole messages (yes / no / cancel) or whole words (emergency), with
the `regex` module so Devanagari vowel signs stay inside words.
"""

from __future__ import annotations

import regex

_EDGES = regex.compile(r"^[\s.,!?।🙏]+|[\s.,!?।🙏]+$")
_SPACES = regex.compile(r"\s+")

YES = (
    "yes", "y", "yeah", "yep", "ok", "okay", "sure", "yes please", "go ahead",
    "file it", "haan", "han", "haa", "ha", "ji", "jee", "theek hai", "thik hai",
    "sahi hai", "haan ji", "ji haan", "ha ji", "kar do", "haan kar do", "हाँ", "हां",
    "जी", "जी हाँ", "हाँ जी", "ठीक है", "सही है", "कर दो", "हाँ कर दो", "👍", "✅", "👌",
)  # fmt: skip
NO = (
    "no", "n", "nope", "nahi", "nahin", "nai", "na", "na ji", "nahi ji", "mat karo",
    "नहीं", "नही", "ना", "जी नहीं", "मत करो", "👎", "❌",
)  # fmt: skip
CANCEL = (
    "cancel", "stop", "quit", "cancel it", "stop it", "cancel karo", "cancel kar do",
    "band karo", "band kro", "band kar do", "rehne do", "rahne do", "rehne dijiye",
    "rahne dijiye", "chhodo", "chodo", "chhod do", "रहने दो", "रहने दीजिए", "बंद करो",
    "बंद कर दो", "कैंसल करो", "छोड़ो", "छोड़ दो",
)  # fmt: skip
_EMERGENCY = regex.compile(
    r"(?<![\p{L}\p{M}])(?:"
    r"gas\s*leak\w*|leak\w*|leakage|fire|aag|blast|explosion|"
    r"smell\s+of\s+gas|gas\s+smell\w*|gas\s+ki\s+(?:smell|badbu|badboo|gandh)|"
    r"रिसाव|लीक|आग|धमाका|(?:गैस\s+की\s+)?(?:बदबू|गंध)"
    r")(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)


def _normal(text: str) -> str:
    return _SPACES.sub(" ", _EDGES.sub("", text.casefold())).strip()


def _words(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_normal(value) for value in values)


_YES, _NO, _CANCEL = _words(YES), _words(NO), _words(CANCEL)


def is_yes(text: str) -> bool:
    return _normal(text) in _YES


def is_no(text: str) -> bool:
    return _normal(text) in _NO


def is_cancel(text: str) -> bool:
    return _normal(text) in _CANCEL


def mentions_emergency(text: str) -> bool:
    return bool(_EMERGENCY.search(text))
