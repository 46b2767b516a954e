"""Parsing every envelope of both platforms."""

from __future__ import annotations

import copy

from bot.channels.messenger_events import parse_delivery as parse_messenger
from bot.channels.x_events import parse_delivery as parse_x
from simulator import payloads

DESK = "9999"
PAGE = "PAGE_9000"


def _dm(**kwargs):
    return payloads.x_dm_event("2001", DESK, **kwargs)


def test_x_account_activity_dm() -> None:
    event = _dm(
        text="cylinder nahi aaya",
        event_id="1712345678901234567",
        timestamp_ms=1717000000123,
    )
    delivery = parse_x(payloads.x_dm_delivery(DESK, [event]), DESK)
    [message] = delivery.messages
    assert (message.channel, message.sender_id, message.message_id) == (
        "x",
        "2001",
        "1712345678901234567",
    )
    assert message.text == "cylinder nahi aaya"
    assert message.timestamp == 1717000000.123
    assert message.quick_reply is None


def test_x_quick_reply_is_routed_on_metadata() -> None:
    event = _dm(text="Petrol pump", quick_reply_metadata="/complain_pump_quality")
    [message] = parse_x(payloads.x_dm_delivery(DESK, [event]), DESK).messages
    assert message.quick_reply == "/complain_pump_quality"


def test_x_media_is_noted_and_its_link_removed_from_the_text() -> None:
    event = _dm(text="yeh dekho", media_type="photo")
    assert "https://t.co/" in event["message_create"]["message_data"]["text"]
    [message] = parse_x(payloads.x_dm_delivery(DESK, [event]), DESK).messages
    assert message.text == "yeh dekho"
    assert message.attachments[0]["type"] == "image"
    assert message.attachments[0]["url"].startswith("https://ton.twitter.com/")


def test_x_echo_of_own_dm_is_not_a_message() -> None:
    own = payloads.x_dm_event(
        DESK, "2001", "Your complaint is registered", source_app_id="777"
    )
    typed = payloads.x_dm_event(DESK, "2001", "Officer here", source_app_id="123")
    delivery = parse_x(payloads.x_dm_delivery(DESK, [own, typed]), DESK, app_id="777")
    assert delivery.messages == []
    assert delivery.echoes == 2
    assert delivery.human_echoes == 1


def test_x_typing_and_read_events_are_ignored() -> None:
    assert parse_x(payloads.x_typing_delivery(DESK, "2001"), DESK).messages == []
    read = {
        "for_user_id": DESK,
        "direct_message_mark_read_events": [
            {
                "created_timestamp": "1",
                "sender_id": "2001",
                "target": {"recipient_id": DESK},
                "last_read_event_id": "5",
            }
        ],
    }
    assert parse_x(read, DESK).messages == []


def test_x_activity_api_envelope_parses_like_account_activity() -> None:
    event = _dm(text="hello", event_id="1712345678901234567")
    legacy = parse_x(
        payloads.x_dm_delivery(DESK, [copy.deepcopy(event)]), DESK
    ).messages
    wrapped = parse_x(payloads.x_activity_delivery(DESK, event), DESK).messages
    assert [m.to_dict() for m in wrapped] == [m.to_dict() for m in legacy]
    sent = parse_x(payloads.x_activity_delivery(DESK, event, sent=True), DESK)
    assert sent.messages == [] and sent.echoes == 1


def test_x_activity_flat_payload_and_other_events() -> None:
    flat = {
        "data": {
            "event_type": "dm.received",
            "filter": {"user_id": DESK},
            "payload": {"id": "55", "sender_id": "2001", "text": "hi"},
        }
    }
    [message] = parse_x(flat, DESK).messages
    assert (message.message_id, message.sender_id, message.text) == ("55", "2001", "hi")
    typing = {"data": {"event_type": "dm.indicate_typing", "payload": {}}}
    assert parse_x(typing, DESK).messages == []
    chat = {"data": {"event_type": "chat.received", "payload": {"encrypted": "..."}}}
    assert parse_x(chat, DESK).messages == []


def test_x_mentions_addressed_to_the_desk_only() -> None:
    delivery = parse_x(
        payloads.x_mention_delivery(DESK, "2001", "@desk cylinder late", tweet_id="77"),
        DESK,
    )
    [mention] = delivery.mentions
    assert (mention.tweet_id, mention.author_id) == ("77", "2001")

    own = payloads.x_mention_delivery(DESK, DESK, "our own post")
    assert parse_x(own, DESK).mentions == []
    retweet = payloads.x_mention_delivery(DESK, "2001", "RT @desk ...")
    retweet["tweet_create_events"][0]["retweeted_status"] = {"id_str": "1"}
    assert parse_x(retweet, DESK).mentions == []
    unrelated = payloads.x_mention_delivery(DESK, "2001", "hello")
    unrelated["tweet_create_events"][0]["entities"]["user_mentions"] = []
    assert parse_x(unrelated, DESK).mentions == []


def test_messenger_batched_entries_in_order() -> None:
    first = payloads.fb_delivery(
        PAGE,
        [
            payloads.fb_event("PSID_1", PAGE, payloads.fb_text("one", mid="m1")),
            payloads.fb_event("PSID_1", PAGE, payloads.fb_text("two", mid="m2")),
        ],
    )
    second = payloads.fb_delivery(
        PAGE,
        [
            payloads.fb_event("PSID_2", PAGE, payloads.fb_text("three", mid="m3")),
            payloads.fb_event(
                "PSID_2", PAGE, delivery={"mids": ["m0"], "watermark": 1}
            ),
            payloads.fb_event("PSID_2", PAGE, read={"watermark": 1}),
        ],
    )
    first["entry"].extend(second["entry"])
    delivery = parse_messenger(first, PAGE)
    assert [m.message_id for m in delivery.messages] == ["m1", "m2", "m3"]
    assert delivery.ignored == 2


def test_messenger_echo_and_standby() -> None:
    echo = payloads.fb_echo(
        PAGE,
        "PSID_1",
        {"attachments": [{"type": "image", "payload": {"url": "https://x"}}]},
        "555",
    )
    body = payloads.fb_delivery(PAGE, [echo])
    delivery = parse_messenger(body, PAGE, app_id="555")
    assert (
        delivery.messages == [] and delivery.echoes == 1 and delivery.human_echoes == 0
    )

    inbox = payloads.fb_echo(
        PAGE, "PSID_1", {"text": "officer typed"}, "263902037430900"
    )
    assert (
        parse_messenger(
            payloads.fb_delivery(PAGE, [inbox]), PAGE, app_id="555"
        ).human_echoes
        == 1
    )

    standby = payloads.fb_delivery(
        PAGE,
        [payloads.fb_event("PSID_1", PAGE, payloads.fb_text("hello?"))],
        standby=True,
    )
    [message] = parse_messenger(standby, PAGE).messages
    assert message.standby is True


def test_messenger_attachments() -> None:
    events = [
        payloads.fb_event("P", PAGE, payloads.fb_attachment("image", mid="img")),
        payloads.fb_event("P", PAGE, payloads.fb_attachment("sticker", mid="stk")),
        payloads.fb_event("P", PAGE, payloads.fb_attachment("location", mid="loc")),
        payloads.fb_event("P", PAGE, payloads.fb_attachment("file", mid="fil")),
    ]
    image, sticker, location, file = parse_messenger(
        payloads.fb_delivery(PAGE, events), PAGE
    ).messages
    assert image.attachments[0]["type"] == "image" and image.attachments[0][
        "url"
    ].startswith("https://")
    assert sticker.sticker_id == "369239263222822" and sticker.is_like()
    assert (
        location.location == {"lat": 28.8955, "long": 76.6066}
        and location.attachments == []
    )
    assert file.attachments[0]["type"] == "file"


def test_messenger_postback_and_quick_reply() -> None:
    events = [
        payloads.fb_event(
            "P",
            PAGE,
            postback={"title": "Talk to an officer", "payload": "/request_human"},
            timestamp=1717000001000,
        ),
        payloads.fb_event(
            "P",
            PAGE,
            payloads.fb_text(
                "LPG cylinder", mid="qr", quick_reply_payload="/complain_lpg_delivery"
            ),
        ),
    ]
    postback, quick = parse_messenger(payloads.fb_delivery(PAGE, events), PAGE).messages
    assert (
        postback.quick_reply == "/request_human"
        and postback.text == "Talk to an officer"
    )
    assert postback.message_id.startswith("pb_")  # stable without a mid
    again = parse_messenger(payloads.fb_delivery(PAGE, events[:1]), PAGE).messages[0]
    assert again.message_id == postback.message_id
    assert quick.quick_reply == "/complain_lpg_delivery"


def test_messenger_other_objects_are_ignored() -> None:
    assert parse_messenger({"object": "instagram", "entry": []}, PAGE).messages == []
    assert parse_messenger(["not", "a", "dict"], PAGE).messages == []
    assert (
        parse_messenger({"object": "page", "entry": [{"id": PAGE}]}, PAGE).messages
        == []
    )
