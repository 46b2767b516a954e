"""The backend as the connectors see it: who owns a conversation, and relaying a
citizen's message to the officer who does."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from bot.channels.http import Outcome, RetryPolicy, call_with_retries
from bot.channels.message import InboundMessage

logger = logging.getLogger(__name__)

BOT = "bot"
RELAYED = "relayed"
ENDED = "ended"
FAILED = "failed"
MESSAGE_LIMIT = 10_000


@dataclass(frozen=True)
class OfficerReply:
    """An officer's reply stored in the backend, waiting for the channel to send it."""

    handoff_id: Any
    message_id: int
    sender_id: str
    text: str


@dataclass(frozen=True)
class Owner:
    owner: str = BOT
    handoff_id: Any = None

    @property
    def is_bot(self) -> bool:
        return self.owner == BOT


class BackendClient:
    """Owner checks and relays, with short timeouts: a citizen waits on them."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 3.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = policy or RetryPolicy(max_attempts=2, max_wait=5.0, backoff=0.5)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    async def owner(self, channel: str, sender_id: str, message_id: str) -> Owner:
        """The conversation's owner; the bot's when the backend cannot say."""
        if not self.base_url:
            return Owner()
        url = f"{self.base_url}/api/conversations/{channel}/{sender_id}/owner"
        outcome = await call_with_retries(
            lambda: self._call("GET", url),
            self.policy,
            f"owner check for {channel} message {message_id}",
        )
        if not outcome.ok or not isinstance(outcome.data, dict):
            logger.warning(
                "owner check failed for %s message %s (%s); the bot keeps it",
                channel,
                message_id,
                outcome.error_code,
            )
            return Owner()
        return Owner(
            owner=str(outcome.data.get("owner") or BOT),
            handoff_id=outcome.data.get("handoff_id"),
        )

    async def relay(self, handoff_id: Any, message: InboundMessage) -> str:
        """Pass a citizen's message to the handoff (the officer's queue): `relayed`,
        `ended` (the handoff closed meanwhile: the bot owns the conversation again) or
        `failed`."""
        url = f"{self.base_url}/api/handoffs/{handoff_id}/messages"
        body = {
            "text": relay_text(message),
            "direction": "citizen",
            "platform_message_id": message.message_id,
        }
        outcome = await call_with_retries(
            lambda: self._call("POST", url, body),
            RetryPolicy(max_attempts=3, max_wait=30.0, backoff=1.0),
            f"relay of {message.channel} message {message.message_id} "
            f"to handoff {handoff_id}",
        )
        if outcome.ok:
            return RELAYED
        if outcome.status == 409:
            return ENDED
        return FAILED

    async def pending_officer_replies(self, channel: str) -> list[OfficerReply]:
        """Officers' replies waiting to be sent, for handoffs an officer holds."""
        if not self.base_url:
            return []
        url = (
            f"{self.base_url}/api/handoffs?channel={channel}&status=assigned&limit=200"
        )
        outcome = await call_with_retries(
            lambda: self._call("GET", url), self.policy, f"{channel} handoff list"
        )
        if not outcome.ok or not isinstance(outcome.data, dict):
            return []
        replies: list[OfficerReply] = []
        for handoff in outcome.data.get("items") or []:
            handoff_id = handoff.get("id")
            messages_url = (
                f"{self.base_url}/api/handoffs/{handoff_id}/messages"
                "?direction=officer&delivery_status=pending"
            )
            listed = await call_with_retries(
                lambda url=messages_url: self._call("GET", url),
                self.policy,
                f"pending replies of handoff {handoff_id}",
            )
            if not listed.ok or not isinstance(listed.data, list):
                continue
            for message in sorted(listed.data, key=lambda m: m.get("id", 0)):
                replies.append(
                    OfficerReply(
                        handoff_id=handoff_id,
                        message_id=message["id"],
                        sender_id=str(handoff.get("sender_id")),
                        text=str(message.get("text") or ""),
                    )
                )
        return replies

    async def report_delivery(
        self, reply: OfficerReply, sent: bool, error_code: str | None
    ) -> bool:
        """Tell the backend what the platform did with an officer's reply."""
        url = f"{self.base_url}/api/handoffs/{reply.handoff_id}/messages/{reply.message_id}"
        body: dict[str, Any] = {"delivery_status": "sent" if sent else "failed"}
        if not sent:
            body["delivery_error"] = (error_code or "send_failed")[:200]
        outcome = await call_with_retries(
            lambda: self._call("PATCH", url, body),
            self.policy,
            f"delivery report of handoff {reply.handoff_id} message {reply.message_id}",
        )
        return outcome.ok

    def _call(self, method: str, url: str, body: Any = None) -> Outcome:
        try:
            response = self.session.request(
                method, url, json=body, timeout=self.timeout
            )
        except requests.RequestException as error:
            return Outcome(ok=False, error_code=type(error).__name__, retryable=True)
        if response.status_code >= 500 or response.status_code == 429:
            return Outcome(
                ok=False,
                status=response.status_code,
                error_code=f"http_{response.status_code}",
                retryable=True,
            )
        if response.status_code >= 400:
            return Outcome(
                ok=False,
                status=response.status_code,
                error_code=f"http_{response.status_code}",
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        return Outcome(ok=True, status=response.status_code, data=data)


def relay_text(message: InboundMessage) -> str:
    """What the officer reads: the citizen's words, then a line per attachment or pin."""
    lines = [message.text.strip()] if message.text.strip() else []
    for attachment in message.attachments:
        lines.append(
            f"[{attachment.get('type', 'attachment')}] {attachment.get('url', '')}".strip()
        )
    if message.location:
        lines.append(
            f"[location] {message.location['lat']}, {message.location['long']}"
        )
    if message.sticker_id and not message.attachments:
        lines.append("[sticker]")
    text = "\n".join(lines) or "[empty message]"
    return text[:MESSAGE_LIMIT]
