"""Per-citizen queues: in order per citizen, concurrent across citizens, retired when
idle."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.queue import SenderQueues

pytestmark = pytest.mark.asyncio


async def test_in_order_per_citizen_and_concurrent_across() -> None:
    log: list[tuple[str, int, str]] = []
    running: dict[str, int] = {}
    overlap = {"same": 0, "across": 0}

    async def handler(job: tuple[str, int]) -> None:
        key, number = job
        running[key] = running.get(key, 0) + 1
        if running[key] > 1:
            overlap["same"] += 1
        if sum(running.values()) > 1:
            overlap["across"] += 1
        log.append((key, number, "start"))
        await asyncio.sleep(0.02 if number % 2 else 0.001)
        running[key] -= 1

    queues = SenderQueues(handler, idle_seconds=0.2)
    for number in range(5):
        for key in ("a", "b", "c"):
            queues.submit(key, (key, number))
    await queues.drain()
    for key in ("a", "b", "c"):
        assert [n for k, n, _ in log if k == key] == [0, 1, 2, 3, 4]
    assert overlap["same"] == 0
    assert overlap["across"] > 0
    await queues.close()


async def test_workers_retire_when_idle_and_come_back() -> None:
    seen: list[int] = []

    async def handler(job: int) -> None:
        seen.append(job)

    queues = SenderQueues(handler, idle_seconds=0.05)
    queues.submit("a", 1)
    await queues.drain()
    assert queues.active == 1
    await asyncio.sleep(0.2)
    assert queues.active == 0
    queues.submit("a", 2)
    await queues.drain()
    assert seen == [1, 2]
    await queues.close()


async def test_a_failing_job_does_not_stop_the_citizens_queue() -> None:
    seen: list[int] = []

    async def handler(job: int) -> None:
        if job == 1:
            raise RuntimeError("boom")
        seen.append(job)

    queues = SenderQueues(handler, idle_seconds=0.2)
    for job in (1, 2, 3):
        queues.submit("a", job)
    await queues.drain()
    assert seen == [2, 3]
    await queues.close()
