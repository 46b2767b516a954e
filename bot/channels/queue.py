"""Per-citizen work queues: acknowledge first, process afterwards, in order.

Each citizen (a key such as `messenger:PSID`) gets one asyncio queue and one worker
task, created when their first message arrives and retired after `idle_seconds` with
nothing to do. Different citizens are processed concurrently; one citizen's messages
strictly one after another.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

logger = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class SenderQueues:
    def __init__(self, handler: Handler, idle_seconds: float = 60.0) -> None:
        self.handler = handler
        self.idle_seconds = idle_seconds
        self._queues: dict[str, asyncio.Queue] = {}
        self._workers: dict[str, asyncio.Task] = {}

    @property
    def active(self) -> int:
        """How many citizens have a live worker."""
        return len(self._workers)

    def submit(self, key: str, job: Any) -> None:
        """Queue `job` behind the citizen's earlier jobs; never waits."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
        queue.put_nowait(job)
        if key not in self._workers:
            self._workers[key] = asyncio.get_running_loop().create_task(
                self._work(key, queue), name=f"channel-worker:{key}"
            )

    async def _work(self, key: str, queue: asyncio.Queue) -> None:
        try:
            while True:
                try:
                    job = await asyncio.wait_for(queue.get(), self.idle_seconds)
                except asyncio.TimeoutError:
                    # Nothing was put between the timeout and here: no await in
                    # between, so retiring cannot strand a job.
                    if queue.empty():
                        return
                    continue
                try:
                    await self.handler(job)
                except Exception:
                    logger.exception("channel worker %s: a job raised", key)
                finally:
                    queue.task_done()
        finally:
            if self._queues.get(key) is queue and queue.empty():
                del self._queues[key]
            self._workers.pop(key, None)

    async def drain(self) -> None:
        """Wait until every queued job has been handled."""
        while True:
            queues = list(self._queues.values())
            if not queues or all(
                q.empty() and q._unfinished_tasks == 0 for q in queues
            ):
                return
            await asyncio.gather(*(q.join() for q in queues))

    async def close(self) -> None:
        """Stop the workers (queued jobs stay recorded as pending in the store)."""
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
