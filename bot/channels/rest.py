"""Rasa's REST channel with the same owner check as the X and Messenger connectors.

While an officer (or the waiting queue) owns a conversation, a REST message is relayed
to the handoff and never reaches Rasa, so the bot says nothing (also to `/restart`);
the HTTP answer is then an empty list. Officers' replies are not delivered to REST
clients (REST has no push); they are recorded on the handoff. A failed turn is logged
with ids only (Rasa's own handler would log the citizen's text).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.backend import ENDED, RELAYED, BackendClient
from bot.channels.http import RetryPolicy
from bot.channels.message import InboundMessage
from bot.channels.settings import CommonSettings

logger = logging.getLogger(__name__)

CHANNEL = "rest"


class GuardedRestInput(RestInput):
    """`POST /webhooks/rest/webhook`, answering only while the bot owns the talk."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, backend: BackendClient | None = None) -> None:
        if backend is None:
            common = CommonSettings.from_env()
            # Short: a REST client waits for this before the bot's turn even starts.
            backend = BackendClient(
                common.backend_url,
                common.service_token,
                timeout=2.0,
                policy=RetryPolicy(max_attempts=2, max_wait=1.0, backoff=0.2),
            )
        self.backend = backend

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "GuardedRestInput":
        return cls()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        async def guarded(message: UserMessage) -> Any:
            if await self.relayed(message):
                return None
            try:
                return await on_new_message(message)
            except (Exception, asyncio.CancelledError) as error:
                # Rasa's REST handler would log the citizen's text with the error;
                # log the ids only and answer with what the bot said so far.
                logger.error(
                    "rest: turn of %s failed (%s)",
                    message.sender_id,
                    type(error).__name__,
                )
                return None

        return super().blueprint(guarded)

    async def relayed(self, message: UserMessage) -> bool:
        """True when the message went to the officer's handoff instead of Rasa."""
        sender = str(message.sender_id)
        message_id = message.message_id or uuid.uuid4().hex
        owner = await self.backend.owner(CHANNEL, sender, message_id)
        if owner.is_bot:
            return False
        if owner.handoff_id is None:
            logger.info("rest: message %s held: no handoff known", message_id)
            return True
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=sender,
            message_id=message_id,
            text=message.text or "",
        )
        result = await self.backend.relay(owner.handoff_id, inbound)
        if result == ENDED:
            logger.info("rest: handoff %s ended meanwhile", owner.handoff_id)
            return False
        if result != RELAYED:
            logger.error(
                "rest: message %s could not reach handoff %s",
                message_id,
                owner.handoff_id,
            )
        return True
