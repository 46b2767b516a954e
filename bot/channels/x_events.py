"""Parsing X webhook deliveries: the Account Activity envelope
(`direct_message_events`, `tweet_create_events`) and the X Activity API envelope
(`{"data": {"event_type": "dm.received", "payload": {...}}}`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from bot.channels.message import InboundMessage

logger = logging.getLogger(__name__)

CHANNEL = "x"
MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "video"}


@dataclass
class Mention:
    """A public post addressed to the desk."""

    tweet_id: str
    author_id: str
    text: str


@dataclass
class XDelivery:
    messages: list[InboundMessage] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    echoes: int = 0
    human_echoes: int = 0
    ignored: int = 0


def parse_delivery(
    payload: Any, desk_user_id: str, app_id: str = "", numbered_options: bool = True
) -> XDelivery:
    delivery = XDelivery()
    if not isinstance(payload, dict):
        return delivery

    data = payload.get("data")
    if isinstance(data, dict) and "event_type" in data:
        _activity_event(data, desk_user_id, app_id, numbered_options, delivery)
        return delivery

    desk = str(payload.get("for_user_id") or desk_user_id)
    for event in payload.get("direct_message_events") or []:
        _dm_event(event, desk, app_id, numbered_options, delivery)
    for tweet in payload.get("tweet_create_events") or []:
        _tweet(tweet, desk, delivery)
    return delivery


def _activity_event(
    data: dict[str, Any],
    desk: str,
    app_id: str,
    numbered_options: bool,
    delivery: XDelivery,
) -> None:
    event_type = str(data.get("event_type") or "")
    body = data.get("payload") or {}
    desk = str((data.get("filter") or {}).get("user_id") or desk)
    if event_type == "dm.sent":
        delivery.echoes += 1
        return
    if event_type != "dm.received" or not isinstance(body, dict):
        delivery.ignored += 1
        return
    events = body.get("direct_message_events")
    if events is None and body.get("id"):
        # The flat form some integrations send: {id, sender_id, text, ...}.
        events = [
            {
                "type": "message_create",
                "id": body.get("id"),
                "created_timestamp": body.get("created_timestamp")
                or body.get("created_at"),
                "message_create": {
                    "sender_id": body.get("sender_id"),
                    "target": {"recipient_id": desk},
                    "message_data": {"text": body.get("text") or ""},
                },
            }
        ]
    for event in events or []:
        _dm_event(event, desk, app_id, numbered_options, delivery)


def _dm_event(
    event: Any, desk: str, app_id: str, numbered_options: bool, delivery: XDelivery
) -> None:
    if (
        not isinstance(event, dict)
        or event.get("type", "message_create") != "message_create"
    ):
        delivery.ignored += 1
        return
    create = event.get("message_create") or {}
    sender = str(create.get("sender_id") or "")
    recipient = str((create.get("target") or {}).get("recipient_id") or "")
    if sender == desk:
        delivery.echoes += 1
        source_app = str(create.get("source_app_id") or "")
        if app_id and source_app and source_app != app_id:
            delivery.human_echoes += 1
            logger.info("x: DM %s was written outside the bot", event.get("id"))
        return
    if not sender or (recipient and recipient != desk):
        delivery.ignored += 1
        return

    data = create.get("message_data") or {}
    message = InboundMessage(
        channel=CHANNEL,
        sender_id=sender,
        message_id=str(event.get("id") or ""),
        timestamp=_seconds(event.get("created_timestamp")),
        text=str(data.get("text") or ""),
        numbered_options=numbered_options,
    )
    quick = data.get("quick_reply_response")
    if isinstance(quick, dict) and quick.get("metadata") is not None:
        message.quick_reply = str(quick["metadata"])

    attachment = data.get("attachment")
    if isinstance(attachment, dict):
        media = attachment.get("media") or {}
        item = {"type": MEDIA_TYPES.get(str(media.get("type")), "other")}
        if media.get("media_url_https"):
            item["url"] = str(media["media_url_https"])
        if media.get("id_str") or media.get("id"):
            item["media_id"] = str(media.get("id_str") or media.get("id"))
        message.attachments.append(item)
        # X appends the media's t.co link to the text; it is not the citizen's words.
        short = media.get("url")
        if short and short in message.text:
            message.text = message.text.replace(short, "").strip()
    delivery.messages.append(message)


def _tweet(tweet: Any, desk: str, delivery: XDelivery) -> None:
    if not isinstance(tweet, dict):
        return
    user = tweet.get("user") or {}
    author = str(user.get("id_str") or user.get("id") or "")
    if not author or author == desk or "retweeted_status" in tweet:
        delivery.ignored += 1
        return
    mentioned = {
        str(m.get("id_str") or m.get("id"))
        for m in (tweet.get("entities") or {}).get("user_mentions") or []
        if isinstance(m, dict)
    }
    if (
        str(tweet.get("in_reply_to_user_id_str") or "") != desk
        and desk not in mentioned
    ):
        delivery.ignored += 1
        return
    extended = tweet.get("extended_tweet") or {}
    text = str(
        extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    )
    delivery.mentions.append(
        Mention(
            tweet_id=str(tweet.get("id_str") or tweet.get("id")),
            author_id=author,
            text=text,
        )
    )


def _seconds(milliseconds: Any) -> float:
    try:
        return float(milliseconds) / 1000.0
    except (TypeError, ValueError):
        return time.time()
