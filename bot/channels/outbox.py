"""The Rasa output channel of both connectors.

During a turn it only collects what the bot says; the connector sends the collected
messages after the turn (so a throttled platform never holds Rasa's conversation lock)
and counts the citizen's message as answered only when all of them were sent. Used
outside a turn (Rasa's `output_channel=latest`, e.g. when an officer hands the
conversation back), it sends at once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

from rasa.core.channels.channel import OutputChannel

from bot.channels.text import Option

logger = logging.getLogger(__name__)


@dataclass
class Outgoing:
    """One bot message: text, with quick replies or buttons, or an image link."""

    text: str = ""
    options: list[Option] = field(default_factory=list)
    buttons: bool = False
    image_url: str | None = None
    custom: dict[str, Any] | None = None


Deliver = Callable[[str, list[Outgoing]], Awaitable[Any]]


def _options(items: Iterable[dict[str, Any]]) -> list[Option]:
    options = []
    for item in items:
        title = str(item.get("title") or "").strip()
        payload = str(item.get("payload") or title).strip()
        if title:
            options.append(Option(title, payload))
    return options


class PlatformOutput(OutputChannel):
    """Collects bot messages; sends them at once when built with `deliver`."""

    def __init__(self, channel: str, deliver: Deliver | None = None) -> None:
        self.channel = channel
        self.deliver = deliver
        self.messages: list[Outgoing] = []

    def name(self) -> str:  # type: ignore[override]
        return self.channel

    async def _add(self, recipient_id: str, message: Outgoing) -> None:
        if self.deliver is not None:
            await self.deliver(recipient_id, [message])
            return
        self.messages.append(message)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        await self._add(recipient_id, Outgoing(text=text))

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self._add(
            recipient_id, Outgoing(text=text, options=_options(quick_replies))
        )

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        message = Outgoing(text=text, options=_options(buttons), buttons=True)
        await self._add(recipient_id, message)

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        await self._add(recipient_id, Outgoing(image_url=image))

    async def send_attachment(
        self, recipient_id: str, attachment: Any, **kwargs: Any
    ) -> None:
        if isinstance(attachment, str):
            await self._add(recipient_id, Outgoing(text=attachment))
            return
        logger.warning("%s: a structured attachment was not sent", self.channel)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text.strip():
            await self._add(recipient_id, Outgoing(text=text, custom=json_message))
            return
        logger.warning(
            "%s: custom message with keys %s has no text; not sent",
            self.channel,
            sorted(json_message)[:5] if isinstance(json_message, dict) else "?",
        )

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        for element in elements:
            title = str(element.get("title", "")).strip()
            subtitle = str(element.get("subtitle", "")).strip()
            text = f"{title}\n{subtitle}".strip()
            buttons = _options(element.get("buttons") or [])
            await self._add(
                recipient_id, Outgoing(text=text, options=buttons, buttons=True)
            )


def describe(messages: list[Outgoing]) -> str:
    """A log-safe summary: counts, never the text."""
    return json.dumps(
        [{"chars": len(m.text), "options": len(m.options)} for m in messages]
    )
