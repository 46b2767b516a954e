"""Splitting at sentence boundaries under each platform's limit, and option limits."""

from __future__ import annotations

from bot.channels.text import (
    MESSENGER_TEXT_LIMIT,
    Option,
    guess_language,
    limit_options,
    numbered_options,
    shorten,
    split_text,
)


def test_short_text_is_one_part() -> None:
    assert split_text("  Namaste.  ", 2000) == ["Namaste."]
    assert split_text("   ", 2000) == []


def test_splits_at_danda_and_full_stop_within_the_limit() -> None:
    text = "मेरा सिलेंडर दस दिन से नहीं आया। The distributor did not answer. " * 80
    parts = split_text(text, MESSENGER_TEXT_LIMIT)
    assert len(parts) > 1
    assert all(len(part) <= MESSENGER_TEXT_LIMIT for part in parts)
    assert all(part.endswith(("।", ".")) for part in parts)
    assert " ".join(parts).split() == text.split()


def test_sentence_longer_than_the_limit_is_cut_at_spaces() -> None:
    text = "shabd " * 100
    parts = split_text(text, 50)
    assert all(len(part) <= 50 for part in parts)
    assert " ".join(parts).split() == text.split()


def test_a_single_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = split_text("x" * 120, 50)
    assert parts == ["x" * 50, "x" * 50, "x" * 20]


def test_line_breaks_end_sentences() -> None:
    parts = split_text("first line without stop\nsecond line", 30)
    assert parts == ["first line without stop", "second line"]


def test_option_limits() -> None:
    options = [
        Option(f"Option number {i} with a long title", f"/p{i}") for i in range(16)
    ]
    options.append(Option("too long payload", "x" * 1001))
    kept = limit_options(options, 13, 20)
    assert len(kept) == 13
    assert all(len(o.title) <= 20 for o in kept)
    assert kept[0].title.endswith("…")
    assert all(len(o.payload) <= 1000 for o in kept)


def test_shorten_and_numbered() -> None:
    assert shorten("LPG cylinder", 20) == "LPG cylinder"
    assert len(shorten("a" * 40, 20)) == 20
    assert (
        numbered_options([Option("Yes", "/affirm"), Option("No", "/deny")])
        == "1. Yes\n2. No"
    )


def test_guess_language() -> None:
    assert guess_language("मेरा सिलेंडर नहीं आया") == "hi"
    assert guess_language("mera cylinder 3 din se nahi aaya") == "hi-Latn"
    assert guess_language("My cylinder has not come for ten days") == "en"
