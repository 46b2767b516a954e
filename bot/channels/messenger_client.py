"""Messenger's Graph Send API: message shaping within the limits, the messaging
window, and error handling (outside the window, blocked, throttled)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from bot.channels.delivery import DeliveryResult
from bot.channels.http import Outcome, RetryPolicy, call_with_retries, retry_after_wait
from bot.channels.outbox import Outgoing
from bot.channels.store import ChannelStore, SendRecord
from bot.channels.text import (
    MESSENGER_BUTTON_TEXT_LIMIT,
    MESSENGER_BUTTONS,
    MESSENGER_QUICK_REPLIES,
    MESSENGER_TEXT_LIMIT,
    MESSENGER_TITLE_LIMIT,
    limit_options,
    split_text,
)

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
WINDOW_SECONDS = 24 * 3600
HUMAN_AGENT_SECONDS = 7 * 24 * 3600
THROTTLE_CODES = {4, 17, 32, 613}
TRANSIENT_CODES = {1, 2}
BOT_METADATA = "eseva:bot"
OFFICER_METADATA = "eseva:officer"


@dataclass(frozen=True)
class WindowDecision:
    allowed: bool
    messaging_type: str = "RESPONSE"
    tag: str | None = None
    reason: str = ""


def window_decision(
    last_inbound_at: float | None, now: float, human: bool
) -> WindowDecision:
    """Meta's policy: anything inside 24 h of the citizen's last message; after that
    only a human-written reply, tagged HUMAN_AGENT, up to 7 days; nothing later."""
    if last_inbound_at is None:
        # We have no record of the citizen writing; let the platform decide.
        return WindowDecision(True, "RESPONSE")
    age = now - last_inbound_at
    if age <= WINDOW_SECONDS:
        return WindowDecision(True, "RESPONSE")
    if human and age <= HUMAN_AGENT_SECONDS:
        return WindowDecision(True, "MESSAGE_TAG", "HUMAN_AGENT")
    if human:
        return WindowDecision(False, reason="outside_human_agent_window")
    return WindowDecision(False, reason="outside_window")


def build_messages(message: Outgoing) -> list[dict[str, Any]]:
    """The Send API `message` objects for one bot message, within Messenger's limits."""
    if message.image_url:
        return [
            {
                "attachment": {
                    "type": "image",
                    "payload": {"url": message.image_url, "is_reusable": False},
                }
            }
        ]
    parts = split_text(message.text, MESSENGER_TEXT_LIMIT)
    if not parts:
        return []
    bodies: list[dict[str, Any]] = [{"text": part} for part in parts[:-1]]
    last = parts[-1]
    options = message.options

    if options and message.buttons and len(options) <= MESSENGER_BUTTONS:
        # A button template holds at most 640 characters of text.
        pieces = split_text(last, MESSENGER_BUTTON_TEXT_LIMIT)
        bodies.extend({"text": piece} for piece in pieces[:-1])
        buttons = limit_options(options, MESSENGER_BUTTONS, MESSENGER_TITLE_LIMIT)
        bodies.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "button",
                        "text": pieces[-1],
                        "buttons": [
                            {"type": "postback", "title": b.title, "payload": b.payload}
                            for b in buttons
                        ],
                    },
                }
            }
        )
        return bodies

    body: dict[str, Any] = {"text": last}
    if options:
        replies = limit_options(options, MESSENGER_QUICK_REPLIES, MESSENGER_TITLE_LIMIT)
        body["quick_replies"] = [
            {"content_type": "text", "title": r.title, "payload": r.payload}
            for r in replies
        ]
    bodies.append(body)
    return bodies


def classify_error(status: int, data: Any, headers: Any) -> Outcome:
    """A Graph error response as an Outcome: what it means and whether to retry."""
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message") or f"HTTP {status}")[:300]
    outcome = Outcome(ok=False, status=status, error_message=message)

    if code == 10 and subcode == 2018278:
        outcome.error_code = "outside_window"
    elif code == 551 or subcode == 1545041:
        outcome.error_code = "recipient_unavailable"
    elif code == 200:
        outcome.error_code = "not_permitted"
    elif code in THROTTLE_CODES or status == 429:
        outcome.error_code = "rate_limited"
        outcome.retryable = True
        outcome.wait = retry_after_wait(headers.get("Retry-After"))
    elif code in TRANSIENT_CODES or status >= 500:
        outcome.error_code = "platform_unavailable"
        outcome.retryable = True
    else:
        outcome.error_code = f"graph_{code}" if code is not None else f"http_{status}"
    return outcome


class MessengerClient:
    """Sends through the Graph Send API with `requests`."""

    def __init__(
        self,
        graph_url: str,
        version: str,
        page_token: str,
        store: ChannelStore,
        policy: RetryPolicy,
        timeout: float = 10.0,
        throttle_wait: float = 60.0,
    ) -> None:
        self.url = f"{graph_url.rstrip('/')}/{version.strip('/')}/me/messages"
        self.store = store
        self.policy = policy
        self.timeout = timeout
        self.throttle_wait = throttle_wait
        self.session = requests.Session()
        # The token in a header, not the query string, keeps it out of URL logs.
        self.session.headers["Authorization"] = f"Bearer {page_token}"

    async def send(
        self,
        recipient_id: str,
        messages: list[Outgoing],
        in_reply_to: str | None,
        messaging_type: str = "RESPONSE",
        tag: str | None = None,
        human: bool = False,
    ) -> DeliveryResult:
        """Send the messages in order; stop at the first that fails for good."""
        result = DeliveryResult()
        for outgoing in messages:
            for message in build_messages(outgoing):
                message["metadata"] = OFFICER_METADATA if human else BOT_METADATA
                body: dict[str, Any] = {
                    "recipient": {"id": recipient_id},
                    "messaging_type": messaging_type,
                    "message": message,
                }
                if tag:
                    body["tag"] = tag
                outcome = await call_with_retries(
                    lambda body=body: self._post(body),
                    self.policy,
                    f"messenger send in reply to {in_reply_to or '-'}",
                )
                record = SendRecord(
                    channel=CHANNEL,
                    recipient_id=recipient_id,
                    kind=_kind(message),
                    status="sent" if outcome.ok else "failed",
                    attempts=outcome.attempts,
                    chars=len(_text_of(message)),
                    in_reply_to=in_reply_to,
                    platform_message_id=(outcome.data or {}).get("message_id")
                    if outcome.ok
                    else None,
                    error_code=outcome.error_code,
                    error_message=outcome.error_message,
                    messaging_type=messaging_type,
                    tag=tag,
                )
                self.store.record_send(record)
                result.records.append(record)
                if not outcome.ok:
                    result.ok = False
                    return result
        return result

    def _post(self, body: dict[str, Any]) -> Outcome:
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            return Outcome(ok=False, error_code=type(error).__name__, retryable=True)
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 200 and isinstance(data, dict):
            return Outcome(ok=True, status=200, data=data)
        outcome = classify_error(response.status_code, data, response.headers)
        if outcome.error_code == "rate_limited" and outcome.wait is None:
            outcome.wait = self.throttle_wait
        return outcome


def _kind(message: dict[str, Any]) -> str:
    if "quick_replies" in message:
        return "quick_replies"
    attachment = message.get("attachment") or {}
    if attachment.get("type") == "template":
        return "buttons"
    if attachment:
        return "image"
    return "text"


def _text_of(message: dict[str, Any]) -> str:
    if "text" in message:
        return str(message["text"])
    payload = (message.get("attachment") or {}).get("payload") or {}
    return str(payload.get("text") or "")
