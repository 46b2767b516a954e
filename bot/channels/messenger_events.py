"""Parsing Messenger webhook deliveries: every event of every entry, in order."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from bot.channels.message import InboundMessage

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
MEDIA_TYPES = {"image", "video", "audio", "file"}


@dataclass
class MessengerDelivery:
    messages: list[InboundMessage] = field(default_factory=list)
    echoes: int = 0
    human_echoes: int = 0
    ignored: int = 0


def parse_delivery(payload: Any, page_id: str, app_id: str = "") -> MessengerDelivery:
    """Citizen messages of a delivery; echoes, receipts and handover events counted
    but not returned."""
    delivery = MessengerDelivery()
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return delivery
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for key, standby in (("messaging", False), ("standby", True)):
            for event in entry.get(key) or []:
                if isinstance(event, dict):
                    _event(event, standby, page_id, app_id, delivery)
    return delivery


def _event(
    event: dict[str, Any],
    standby: bool,
    page_id: str,
    app_id: str,
    delivery: MessengerDelivery,
) -> None:
    sender = str((event.get("sender") or {}).get("id") or "")
    timestamp = _seconds(event.get("timestamp"))
    message = event.get("message")
    postback = event.get("postback")

    if isinstance(message, dict) and message.get("is_echo"):
        delivery.echoes += 1
        echo_app = str(message.get("app_id") or "")
        if app_id and echo_app != app_id:
            # Written by a person in the Page inbox, not by this bot.
            delivery.human_echoes += 1
            logger.info(
                "messenger: echo %s was written outside the bot", message.get("mid")
            )
        return
    if not sender or (page_id and sender == page_id):
        delivery.ignored += 1
        return

    if isinstance(message, dict):
        delivery.messages.append(_message(sender, timestamp, message, standby))
        return
    if isinstance(postback, dict):
        delivery.messages.append(_postback(sender, timestamp, postback, standby))
        return
    # delivery, read, reaction, referral, handover and optin events
    delivery.ignored += 1


def _message(
    sender: str, timestamp: float, message: dict[str, Any], standby: bool
) -> InboundMessage:
    inbound = InboundMessage(
        channel=CHANNEL,
        sender_id=sender,
        message_id=str(message.get("mid") or ""),
        timestamp=timestamp,
        text=str(message.get("text") or ""),
        standby=standby,
    )
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and quick_reply.get("payload") is not None:
        inbound.quick_reply = str(quick_reply["payload"])
    if message.get("sticker_id") is not None:
        inbound.sticker_id = str(message["sticker_id"])

    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        kind = str(attachment.get("type") or "")
        payload = attachment.get("payload") or {}
        if kind == "location":
            coordinates = payload.get("coordinates") or {}
            try:
                inbound.location = {
                    "lat": float(coordinates["lat"]),
                    "long": float(coordinates["long"]),
                }
            except (KeyError, TypeError, ValueError):
                logger.warning(
                    "messenger: location without coordinates in %s", inbound.message_id
                )
            continue
        if payload.get("sticker_id") is not None:
            inbound.sticker_id = str(payload["sticker_id"])
        item = {"type": kind if kind in MEDIA_TYPES else "other"}
        if payload.get("url"):
            item["url"] = str(payload["url"])
        if inbound.sticker_id:
            item["type"] = "sticker"
        inbound.attachments.append(item)
    return inbound


def _postback(
    sender: str, timestamp: float, postback: dict[str, Any], standby: bool
) -> InboundMessage:
    payload = str(postback.get("payload") or "")
    mid = postback.get("mid")
    if not mid:
        # Older postbacks carry no mid: sender, time and payload identify one.
        digest = hashlib.sha256(f"{sender}|{timestamp}|{payload}".encode()).hexdigest()
        mid = f"pb_{digest[:32]}"
    return InboundMessage(
        channel=CHANNEL,
        sender_id=sender,
        message_id=str(mid),
        timestamp=timestamp,
        text=str(postback.get("title") or ""),
        quick_reply=payload,
        standby=standby,
    )


def _seconds(milliseconds: Any) -> float:
    try:
        return float(milliseconds) / 1000.0
    except (TypeError, ValueError):
        return time.time()
