"""What a connector hands on: one citizen message, platform-neutral, and how it is
turned into the text and metadata Rasa sees.

Rasa never sees text a citizen could use to drive it: a leading `/` (which Rasa reads
as `/intent{...}`) is removed from citizen text, and quick-reply payloads pass as they
are only when the bot offered exactly that payload to that citizen in its last turn.
Media and location pins reach Rasa as fixed marker messages (below) with the details in
the metadata, so no slot can be filled from a media URL.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import regex

from bot.channels.text import Option

# Fixed texts for what is not words (documented in docs/architecture.md).
ATTACHMENT_MARKER = "/share_attachment"
LOCATION_MARKER = "/share_location"
AFFIRM_MARKER = "/affirm"

# Messenger's 👍 ("like") stickers, small to large.
LIKE_STICKER_IDS = frozenset({"369239263222822", "369239343222814", "369239383222810"})
THUMBS_UP = regex.compile(
    r"^\s*(?:\N{THUMBS UP SIGN}[\N{EMOJI MODIFIER FITZPATRICK TYPE-1-2}-\N{EMOJI MODIFIER FITZPATRICK TYPE-6}]?\s*)+$"
)

_LEADING_SLASHES = regex.compile(r"^[\s/\\]+")
_DIGITS_ONLY = regex.compile(r"^\s*(\d{1,2})\s*\.?\s*$")


@dataclass
class InboundMessage:
    """One message from a citizen, as parsed from a platform delivery."""

    channel: str
    sender_id: str
    message_id: str
    timestamp: float = field(default_factory=time.time)
    text: str = ""
    quick_reply: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    location: dict[str, float] | None = None
    sticker_id: str | None = None
    standby: bool = False
    numbered_options: bool = False
    # How often relaying it to the officer has been tried again.
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "InboundMessage":
        return cls(**data)

    def is_like(self) -> bool:
        if self.sticker_id and self.sticker_id in LIKE_STICKER_IDS:
            return True
        return not self.attachments and bool(THUMBS_UP.match(self.text or ""))


def sanitise(text: str) -> str:
    """Citizen text with leading slashes removed, so it cannot act as an intent."""
    return _LEADING_SLASHES.sub("", text or "").strip()


def rasa_text(
    message: InboundMessage, offers: list[Option], markers: bool = True
) -> str:
    """The text Rasa receives for a citizen message ("" when there is nothing).

    `markers` False (the domain lacks the marker intents): media go as their link and a
    pin as a map link, which the form's validators refuse as "not words"."""
    if message.quick_reply is not None:
        offered = {option.payload for option in offers}
        if message.quick_reply in offered:
            return message.quick_reply
        # Not something we offered: treat the visible label as typed text.
        return sanitise(message.text)

    if message.is_like():
        return AFFIRM_MARKER

    if message.numbered_options and offers:
        match = _DIGITS_ONLY.match(message.text or "")
        if match and 1 <= int(match.group(1)) <= len(offers):
            return offers[int(match.group(1)) - 1].payload

    text = sanitise(message.text)
    if text:
        return text
    if message.location:
        return LOCATION_MARKER if markers else map_link(message.location)
    if message.attachments or message.sticker_id:
        if markers:
            return ATTACHMENT_MARKER
        urls = [a["url"] for a in message.attachments if a.get("url")]
        return urls[0] if urls else ATTACHMENT_MARKER
    return ""


def map_link(location: dict[str, float]) -> str:
    lat, long = location["lat"], location["long"]
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={long}"


def rasa_metadata(message: InboundMessage) -> dict[str, Any]:
    """Platform facts for the tracker: ids, time, media, pins. Never a slot value."""
    metadata: dict[str, Any] = {
        "channel": message.channel,
        "platform_message_id": message.message_id,
        "platform_timestamp": message.timestamp,
    }
    if message.attachments:
        metadata["attachments"] = message.attachments
    if message.location:
        metadata["location"] = message.location
    if message.sticker_id:
        metadata["sticker_id"] = message.sticker_id
    if message.quick_reply is not None:
        metadata["quick_reply"] = True
    return metadata
