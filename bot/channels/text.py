"""Text shaping for the platforms: sentence-boundary splitting and option limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import regex

logger = logging.getLogger(__name__)

MESSENGER_TEXT_LIMIT = 2000
MESSENGER_BUTTON_TEXT_LIMIT = 640
MESSENGER_QUICK_REPLIES = 13
MESSENGER_TITLE_LIMIT = 20
MESSENGER_BUTTONS = 3
PAYLOAD_LIMIT = 1000
X_DM_LIMIT = 10000
X_QUICK_REPLIES = 20
X_LABEL_LIMIT = 36
TWEET_LIMIT = 280

# A sentence ends at . ! ? or the Devanagari danda/double danda (with any closing
# quotes or brackets), followed by white space; a line break always ends one.
_SENTENCE_END = regex.compile(r"(?<=[.!?।॥][\"'”’)\]]*)\s+|\n+")
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Option:
    """A quick reply or button: what the citizen sees and what comes back."""

    title: str
    payload: str


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` characters, at sentence boundaries
    where possible, else at white space, else anywhere."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []

    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        for piece in _fit(sentence, limit):
            joined = f"{current} {piece}" if current else piece
            if len(joined) <= limit:
                current = joined
                continue
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _fit(sentence: str, limit: int) -> list[str]:
    """A sentence longer than the limit, cut at white space (or hard when a single
    word is longer)."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for word in sentence.split():
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        joined = f"{current} {word}" if current else word
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


def shorten(title: str, limit: int) -> str:
    """Cut a title to `limit` characters, marking the cut with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + _ELLIPSIS


def limit_options(
    options: list[Option], max_count: int, title_limit: int
) -> list[Option]:
    """Keep the first `max_count` options with titles cut to `title_limit`; options
    whose payload is too long for the platform are dropped."""
    kept: list[Option] = []
    for option in options:
        if len(option.payload) > PAYLOAD_LIMIT:
            logger.warning("dropped an option whose payload exceeds %d", PAYLOAD_LIMIT)
            continue
        kept.append(Option(shorten(option.title, title_limit), option.payload))
    if len(kept) > max_count:
        logger.warning("cut %d options to the platform limit %d", len(kept), max_count)
        kept = kept[:max_count]
    return kept


def numbered_options(options: list[Option]) -> str:
    """Options as a numbered list, for a channel that cannot show buttons."""
    return "\n".join(
        f"{number}. {option.title}" for number, option in enumerate(options, 1)
    )


_DEVANAGARI = regex.compile(r"\p{Devanagari}")
_HINGLISH_WORDS = frozenset(
    "hai hain nahi nahin nhi mera meri mere mujhe kya kab kyu kyon aur bhi "
    "gaya gayi aaya nahi_aaya raha rahi rahe karo kare karna kijiye ji bhai "
    "se ko ka ki ke mein par tak din wala wali hua hui".split()
)


def guess_language(text: str) -> str:
    """`hi` for Devanagari, `hi-Latn` for romanized Hindi (by common words), else
    `en`. Only for the public replies; the NLU decides inside conversations."""
    if _DEVANAGARI.search(text):
        return "hi"
    words = regex.findall(r"\p{L}+", text.lower())
    hits = sum(1 for word in words if word in _HINGLISH_WORDS)
    if words and hits >= max(2, len(words) // 8):
        return "hi-Latn"
    return "en"
