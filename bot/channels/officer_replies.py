"""Officers' replies: the backend stores them as `pending`; each connector picks up
those of its channel, sends them as human-written messages (Messenger's window policy
applies) and reports `sent` or `failed` with the platform's error code, which the
officer then sees on the handoff.

Several Rasa processes (SANIC_WORKERS) run a poller each, but only the one holding the
channel's lease in the channels database asks the backend and sends; the others try to
take the lease every interval and get it once the holder stopped renewing it (stopped
cleanly: at once; died: when the lease expires). The holder renews the lease every
interval, also while a slow send is under way, and once more right before each send, so
a process that lost the lease (its event loop stalled longer than the lease) sends
nothing more. What the platform answered is stored before it is reported: a reply whose
report failed is reported again later, never sent again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.channels.backend import BackendClient, OfficerReply
from bot.channels.delivery import DeliveryResult
from bot.channels.store import ChannelStore

logger = logging.getLogger(__name__)

SendText = Callable[[str, str, bool], Awaitable[DeliveryResult]]

# The lease lasts at least this many poll intervals, so a few missed renewals (a busy
# event loop) do not hand the poller to another process.
MIN_LEASE_INTERVALS = 3


def process_holder_id() -> str:
    """A name for this poller that no other process shares: host, pid and a random
    part (a pid can come back after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OfficerReplies:
    def __init__(
        self,
        channel: str,
        backend: BackendClient,
        send_text: SendText,
        interval: float,
        store: ChannelStore,
        lease_seconds: float = 15.0,
    ) -> None:
        self.channel = channel
        self.backend = backend
        self.send_text = send_text
        self.interval = interval
        self.store = store
        self.lease_seconds = max(lease_seconds, MIN_LEASE_INTERVALS * interval)
        self.lease_name = f"officer_replies:{channel}"
        self._holder = ""
        self._holder_pid = 0
        self.held = False
        self._tasks: list[asyncio.Task] = []

    @property
    def holder(self) -> str:
        """This process's name on the lease. Rasa makes the connectors before it forks
        its workers (SANIC_WORKERS), so the name is made in the process that uses it,
        never inherited from the parent."""
        if self._holder_pid != os.getpid():
            self._holder = process_holder_id()
            self._holder_pid = os.getpid()
            self.held = False
        return self._holder

    def start(self) -> None:
        if self.interval <= 0 or not self.backend.base_url or self._tasks:
            return
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._poll(), name=f"officer-replies:{self.channel}"),
            loop.create_task(self._renew(), name=f"officer-lease:{self.channel}"),
        ]

    async def stop(self) -> None:
        """Stop polling and give the lease up, so another process takes over at its
        next try instead of waiting for the lease to expire."""
        if not self._tasks:
            return
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.held:
            self.held = False
            try:
                self.store.release_lease(self.lease_name, self.holder)
            except SQLAlchemyError:
                logger.exception(
                    "%s: the officer-reply lease could not be released", self.channel
                )

    async def _poll(self) -> None:
        while True:
            try:
                await self.deliver_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("%s: officer reply delivery failed", self.channel)
            await asyncio.sleep(self.interval)

    async def _renew(self) -> None:
        """Keep the lease while this process holds it, also during a long send."""
        while True:
            await asyncio.sleep(self.interval)
            if self.held:
                self.hold_lease()

    def hold_lease(self) -> bool:
        """Take or renew the channel's lease; whether this process holds it now."""
        try:
            held = self.store.hold_lease(
                self.lease_name, self.holder, self.lease_seconds
            )
        except SQLAlchemyError:
            logger.exception(
                "%s: the officer-reply lease could not be renewed", self.channel
            )
            held = False
        if held != self.held:
            logger.info(
                "%s: officer-reply poller %s %s the lease",
                self.channel,
                self.holder,
                "took" if held else "lost",
            )
        self.held = held
        return held

    async def deliver_pending(self) -> int:
        """Send every pending officer reply once, if this process holds the lease;
        returns how many were sent."""
        if not self.hold_lease():
            return 0
        sent = 0
        for reply in await self.backend.pending_officer_replies(self.channel):
            known = self.store.officer_send(
                self.channel, reply.handoff_id, reply.message_id
            )
            if known is not None:
                await self._report(reply, *known)
                continue
            if not self.hold_lease():
                break
            result = await self.send_text(reply.sender_id, reply.text, True)
            error_code = result.error.error_code if result.error else None
            try:
                self.store.note_officer_send(
                    self.channel,
                    reply.handoff_id,
                    reply.message_id,
                    result.ok,
                    error_code,
                )
            except SQLAlchemyError:
                logger.exception(
                    "%s: officer reply %s of handoff %s could not be recorded",
                    self.channel,
                    reply.message_id,
                    reply.handoff_id,
                )
            logger.info(
                "%s: officer reply %s of handoff %s %s",
                self.channel,
                reply.message_id,
                reply.handoff_id,
                "sent" if result.ok else f"failed ({error_code or '?'})",
            )
            await self._report(reply, result.ok, error_code)
            sent += int(result.ok)
        return sent

    async def _report(
        self, reply: OfficerReply, ok: bool, error_code: str | None
    ) -> None:
        if await self.backend.report_delivery(reply, ok, error_code):
            return
        logger.warning(
            "%s: the result of officer reply %s of handoff %s was not reported; "
            "it is reported again at the next poll, not sent again",
            self.channel,
            reply.message_id,
            reply.handoff_id,
        )
