"""What Rasa receives: no citizen-made intents, markers for media, trusted payloads."""

from __future__ import annotations

from bot.channels.message import (
    AFFIRM_MARKER,
    ATTACHMENT_MARKER,
    LOCATION_MARKER,
    InboundMessage,
    rasa_metadata,
    rasa_text,
)
from bot.channels.text import Option

OFFERS = [Option("LPG cylinder", "/complain_lpg_delivery"), Option("Yes", "/affirm")]


def _message(**kwargs) -> InboundMessage:
    return InboundMessage(channel="messenger", sender_id="P", message_id="m", **kwargs)


def test_leading_slashes_are_removed_from_citizen_text() -> None:
    assert rasa_text(_message(text="/restart"), []) == "restart"
    assert (
        rasa_text(_message(text='  //inform{"consumer_id": "1"}'), [])
        == 'inform{"consumer_id": "1"}'
    )
    assert rasa_text(_message(text="\\/session_start"), []) == "session_start"
    assert rasa_text(_message(text="a/b stays"), []) == "a/b stays"


def test_offered_quick_reply_passes_as_payload_else_as_text() -> None:
    assert (
        rasa_text(
            _message(text="LPG cylinder", quick_reply="/complain_lpg_delivery"), OFFERS
        )
        == "/complain_lpg_delivery"
    )
    forged = _message(text="/restart", quick_reply="/restart")
    assert rasa_text(forged, OFFERS) == "restart"


def test_like_sticker_and_thumbs_up_are_affirm() -> None:
    assert (
        rasa_text(
            _message(sticker_id="369239263222822", attachments=[{"type": "sticker"}]),
            [],
        )
        == AFFIRM_MARKER
    )
    assert rasa_text(_message(text="👍"), []) == AFFIRM_MARKER
    assert rasa_text(_message(text="👍🏽"), []) == AFFIRM_MARKER
    other = _message(
        sticker_id="12345", attachments=[{"type": "sticker", "url": "https://s"}]
    )
    assert rasa_text(other, []) == ATTACHMENT_MARKER


def test_media_and_pins_become_markers_with_metadata() -> None:
    photo = _message(
        attachments=[{"type": "image", "url": "https://scontent.example/abc.jpg"}]
    )
    assert rasa_text(photo, []) == ATTACHMENT_MARKER
    assert "https://" not in rasa_text(photo, [])
    assert rasa_metadata(photo)["attachments"][0]["url"].endswith("abc.jpg")
    pin = _message(location={"lat": 28.9, "long": 76.6})
    assert rasa_text(pin, []) == LOCATION_MARKER
    assert rasa_metadata(pin)["location"] == {"lat": 28.9, "long": 76.6}
    captioned = _message(text="meter tampered", attachments=[{"type": "image"}])
    assert rasa_text(captioned, []) == "meter tampered"


def test_numbers_pick_offered_options_only_where_options_were_numbered() -> None:
    x_message = InboundMessage(
        channel="x", sender_id="2001", message_id="1", text="2", numbered_options=True
    )
    assert rasa_text(x_message, OFFERS) == "/affirm"
    x_message.text = "3"
    assert rasa_text(x_message, OFFERS) == "3"
    assert rasa_text(_message(text="2"), OFFERS) == "2"


def test_metadata_carries_ids() -> None:
    metadata = rasa_metadata(_message(text="hi", timestamp=1717000000.5))
    assert metadata == {
        "channel": "messenger",
        "platform_message_id": "m",
        "platform_timestamp": 1717000000.5,
    }


def test_without_marker_intents_media_go_as_links_the_form_refuses() -> None:
    photo = _message(
        attachments=[{"type": "image", "url": "https://scontent.example/abc.jpg"}]
    )
    assert rasa_text(photo, [], markers=False) == "https://scontent.example/abc.jpg"
    pin = _message(location={"lat": 28.9, "long": 76.6})
    assert rasa_text(pin, [], markers=False) == (
        "https://www.openstreetmap.org/?mlat=28.9&mlon=76.6"
    )
    like = _message(sticker_id="369239263222822", attachments=[{"type": "sticker"}])
    assert rasa_text(like, [], markers=False) == AFFIRM_MARKER
