"""Officers' replies: the backend stores them as `pending`; each connector picks up
those of its channel, sends them as human-written messages (Messenger's window policy
applies) and reports `sent` or `failed` with the platform's error code, which the
officer then sees on the handoff.

One poller per connector and process: run a single Rasa process with this enabled (or
set ESEVA_CHANNELS_OFFICER_POLL=0 on all but one), or a reply could go out twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from bot.channels.backend import BackendClient
from bot.channels.delivery import DeliveryResult

logger = logging.getLogger(__name__)

SendText = Callable[[str, str, bool], Awaitable[DeliveryResult]]


class OfficerReplies:
    def __init__(
        self, channel: str, backend: BackendClient, send_text: SendText, interval: float
    ) -> None:
        self.channel = channel
        self.backend = backend
        self.send_text = send_text
        self.interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self.interval <= 0 or not self.backend.base_url or self._task is not None:
            return
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"officer-replies:{self.channel}"
        )

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("%s: officer reply delivery failed", self.channel)
            await asyncio.sleep(self.interval)

    async def deliver_pending(self) -> int:
        """Send every pending officer reply once; returns how many were sent."""
        sent = 0
        for reply in await self.backend.pending_officer_replies(self.channel):
            result = await self.send_text(reply.sender_id, reply.text, True)
            error = result.error
            await self.backend.report_delivery(
                reply, result.ok, error.error_code if error else None
            )
            logger.info(
                "%s: officer reply %s of handoff %s %s",
                self.channel,
                reply.message_id,
                reply.handoff_id,
                "sent"
                if result.ok
                else f"failed ({error.error_code if error else '?'})",
            )
            sent += int(result.ok)
        return sent
