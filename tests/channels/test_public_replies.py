"""Public replies on X: short, a DM link, no personal details asked; a post that shows
a consumer ID or phone number is asked to be deleted."""

from __future__ import annotations

import pytest

from bot.channels.public_replies import (
    REPLIES,
    dm_link,
    has_personal_number,
    public_reply,
)


@pytest.mark.parametrize(
    "post",
    [
        "@desk consumer no 71000000123456789, cylinder nahi aaya",
        "@desk LPG ID 7100 0000 1234 5678 9 please help",
        "@desk call me on +91 98000 00000",
        "@desk मेरा नंबर ९८००००००००",
    ],
)
def test_personal_numbers_are_noticed(post: str) -> None:
    assert has_personal_number(post)
    assert "delete" in public_reply(
        "x " + post, "9999"
    ).lower() or "हटा" in public_reply(post, "9999")


@pytest.mark.parametrize(
    "post",
    [
        "@desk pump 102072 overcharged",
        "@desk 3 din se cylinder nahi",
        "@desk PIN 124001",
    ],
)
def test_ordinary_posts_are_not_flagged(post: str) -> None:
    assert not has_personal_number(post)


def test_reply_language_and_link() -> None:
    for post, language in [
        ("@desk my cylinder is late", "en"),
        ("@desk मेरा सिलेंडर नहीं आया", "hi"),
        ("@desk mera cylinder nahi aaya hai", "hi-Latn"),
    ]:
        reply = public_reply(post, "9999")
        assert reply.startswith(REPLIES["ack"][language])
        assert reply.endswith(dm_link("9999"))
        # X counts a link as 23 characters.
        assert len(reply) - len(dm_link("9999")) + 23 <= 280


def test_texts_exist_in_three_languages() -> None:
    for texts in REPLIES.values():
        assert set(texts) == {"en", "hi", "hi-Latn"}
