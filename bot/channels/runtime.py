"""The path of a citizen message, common to both connectors.

webhook → `accept` (de-duplicate, remember, queue; the webhook answers 200 right after)
→ per-citizen worker → `process`: owner check; relay to the officer, or one Rasa turn
and then the replies sent, the message marked answered only when they were.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Protocol

from rasa.core.channels.channel import UserMessage

from bot.channels import store as states
from bot.channels.backend import ENDED, RELAYED, BackendClient
from bot.channels.delivery import DeliveryResult
from bot.channels.message import InboundMessage, rasa_metadata, rasa_text
from bot.channels.outbox import Outgoing, PlatformOutput
from bot.channels.queue import SenderQueues
from bot.channels.store import ChannelStore
from bot.channels.text import Option

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# The relay found the handoff closed: the message goes to the bot after all.
RELAY_ENDED = "relay_ended"
# The backend did not take the relay: try again later (seconds, doubling, capped).
RELAY_FAILED = "relay_failed"
RELAY_TRIES = 8
RELAY_RETRY_BASE = 5.0
RELAY_RETRY_MAX = 300.0

# The intents of the marker messages (bot/channels/message.py) the domain must know.
MARKER_INTENTS = {"share_attachment", "share_location"}

# Acknowledged messages older than this are not replayed after a restart.
RECOVERY_WINDOW = 3600.0


_turn_slots: dict[int, asyncio.Semaphore] = {}


def turn_slot(limit: int) -> asyncio.Semaphore:
    """At most `limit` Rasa turns at once across both connectors. A turn blocks the
    event loop while the model runs; fewer at once keeps webhook acknowledgements
    prompt without costing throughput (the turns share the same loop anyway)."""
    loop = asyncio.get_running_loop()
    slot = _turn_slots.get(id(loop))
    if slot is None:
        _turn_slots.clear()
        slot = _turn_slots[id(loop)] = asyncio.Semaphore(max(1, limit))
    return slot


class Sender(Protocol):
    """A platform's outbound side."""

    async def send(
        self, recipient_id: str, messages: list[Outgoing], in_reply_to: str | None
    ) -> DeliveryResult:
        """Send the messages in order, stopping at the first that fails for good."""


class ChannelRuntime:
    def __init__(
        self,
        channel: str,
        store: ChannelStore,
        backend: BackendClient,
        sender: Sender,
        idle_seconds: float = 60.0,
        max_turns: int = 4,
    ) -> None:
        self.channel = channel
        self.max_turns = max_turns
        self.store = store
        self.backend = backend
        self.sender = sender
        self.queues = SenderQueues(self._process, idle_seconds)
        self.on_new_message: OnNewMessage | None = None
        self.extra_handlers: dict[str, Callable[[Any], Awaitable[None]]] = {}
        self._recovered = False
        self._warned_markers = False
        self.app: Any = None

    def bind_app(self, app: Any) -> None:
        """The Sanic app serving the webhooks (its agent tells the domain's intents)."""
        self.app = app

    def markers_known(self) -> bool:
        """Whether Rasa's domain has the marker intents; without a domain to ask (a
        stub agent in tests), assume it does."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        intents = getattr(getattr(agent, "domain", None), "intents", None)
        if not intents:
            return True
        known = MARKER_INTENTS <= set(intents)
        if not known and not self._warned_markers:
            self._warned_markers = True
            logger.warning(
                "%s: the domain lacks the intents %s; media and pins go to Rasa as "
                "links instead (docs/architecture.md)",
                self.channel,
                sorted(MARKER_INTENTS),
            )
        return known

    def accept(self, messages: list[InboundMessage]) -> int:
        """Queue the new ones (sorted by platform time); returns how many were new."""
        new = 0
        for message in sorted(messages, key=lambda m: m.timestamp):
            if not message.message_id:
                logger.warning(
                    "%s: an event without a message id was ignored", self.channel
                )
                continue
            if not self.store.claim(
                self.channel, message.message_id, message.sender_id, message.to_dict()
            ):
                logger.info(
                    "%s: duplicate delivery of message %s ignored",
                    self.channel,
                    message.message_id,
                )
                continue
            self.store.note_inbound(self.channel, message.sender_id, message.timestamp)
            self.queues.submit(f"{self.channel}:{message.sender_id}", message)
            new += 1
        return new

    def submit(self, key: str, job: Any) -> None:
        """Queue other work (e.g. a public reply) behind a citizen's messages."""
        self.queues.submit(f"{self.channel}:{key}", job)

    def recover(self, started_at: float) -> int:
        """Re-queue messages acknowledged before this run started (`started_at`) but
        never processed; with several Rasa processes each message goes to one."""
        if self._recovered:
            return 0
        self._recovered = True
        count = 0
        for data in self.store.take_pending(self.channel, RECOVERY_WINDOW, started_at):
            message = InboundMessage.from_dict(data)
            self.queues.submit(f"{self.channel}:{message.sender_id}", message)
            count += 1
        if count:
            logger.info("%s: re-queued %d unprocessed messages", self.channel, count)
        return count

    async def _process(self, job: Any) -> None:
        if not isinstance(job, InboundMessage):
            handler = self.extra_handlers.get(type(job).__name__)
            if handler is None:
                logger.error("%s: no handler for %s", self.channel, type(job).__name__)
                return
            await handler(job)
            return
        try:
            state = await self._handle(job)
        except Exception:
            logger.exception(
                "%s: processing message %s failed", self.channel, job.message_id
            )
            state = states.FAILED
        if state == RELAY_FAILED:
            if self._retry_later(job):
                return
            state = states.FAILED
        self.store.finish(self.channel, job.message_id, state)

    def _retry_later(self, message: InboundMessage) -> bool:
        """Queue a message again after a pause (the officer's side was unreachable);
        False when it has had its tries. Its pending copy stays in the store."""
        if message.attempts >= RELAY_TRIES:
            logger.error(
                "%s: message %s could not reach handoff after %d tries",
                self.channel,
                message.message_id,
                message.attempts,
            )
            return False
        message.attempts += 1
        delay = min(RELAY_RETRY_MAX, RELAY_RETRY_BASE * 2 ** (message.attempts - 1))
        logger.warning(
            "%s: message %s will be relayed again in %.0f s",
            self.channel,
            message.message_id,
            delay,
        )
        key = f"{self.channel}:{message.sender_id}"
        asyncio.get_running_loop().call_later(delay, self.queues.submit, key, message)
        return True

    async def _handle(self, message: InboundMessage) -> str:
        owner = await self.backend.owner(
            self.channel, message.sender_id, message.message_id
        )
        if not owner.is_bot or message.standby:
            state = await self._relay(message, owner.handoff_id)
            if state == RELAY_ENDED and message.standby:
                return states.IGNORED
            if state != RELAY_ENDED:
                return state
            logger.info(
                "%s: handoff %s ended meanwhile; message %s goes to the bot",
                self.channel,
                owner.handoff_id,
                message.message_id,
            )

        offers = self.store.offers(self.channel, message.sender_id)
        text = rasa_text(message, offers, self.markers_known())
        if not text:
            logger.info(
                "%s: message %s had nothing to pass on",
                self.channel,
                message.message_id,
            )
            return states.IGNORED
        if self.on_new_message is None:
            logger.error("%s: no Rasa handler registered yet", self.channel)
            return states.FAILED

        output = PlatformOutput(self.channel)
        started = time.monotonic()
        async with turn_slot(self.max_turns):
            await self.on_new_message(
                UserMessage(
                    text=text,
                    output_channel=output,
                    sender_id=message.sender_id,
                    input_channel=self.channel,
                    message_id=message.message_id,
                    metadata=rasa_metadata(message),
                )
            )
        logger.debug(
            "%s: turn for message %s took %.2f s",
            self.channel,
            message.message_id,
            time.monotonic() - started,
        )
        return await self.deliver(
            message.sender_id, output.messages, message.message_id
        )

    async def deliver(
        self, recipient_id: str, messages: list[Outgoing], in_reply_to: str | None
    ) -> str:
        """Send the bot's messages of one turn and remember the options offered."""
        options: list[Option] = [o for m in messages for o in m.options]
        self.store.save_offers(self.channel, recipient_id, options)
        if not messages:
            return states.ANSWERED
        result = await self.sender.send(recipient_id, messages, in_reply_to)
        return states.ANSWERED if result.ok else states.UNANSWERED

    async def _relay(self, message: InboundMessage, handoff_id: Any) -> str:
        if handoff_id is None:
            logger.info(
                "%s: message %s arrived while the bot does not own the conversation "
                "and no handoff is known; not passed to Rasa",
                self.channel,
                message.message_id,
            )
            return states.IGNORED
        result = await self.backend.relay(handoff_id, message)
        if result == RELAYED:
            logger.info(
                "%s: message %s relayed to handoff %s",
                self.channel,
                message.message_id,
                handoff_id,
            )
            return states.RELAYED
        if result == ENDED:
            return RELAY_ENDED
        return RELAY_FAILED

    def output_channel(self) -> PlatformOutput:
        """An output channel that sends at once (Rasa's `output_channel=latest`)."""

        async def deliver_now(recipient_id: str, messages: list[Outgoing]) -> None:
            await self.deliver(recipient_id, messages, None)

        return PlatformOutput(self.channel, deliver_now)
