"""Officers' replies with several Rasa processes (SANIC_WORKERS > 1) sharing one
channels database, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: each reply goes
to the citizen exactly once, and another process takes over when the one sending them
stops or dies.

Each "process" here is an `OfficerReplies` with its own `ChannelStore` (its own
connections) on the same database, as two Rasa workers have."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Awaitable, Callable, Iterator

import pytest

from bot.channels.backend import OfficerReply
from bot.channels.delivery import DeliveryResult
from bot.channels.officer_replies import OfficerReplies
from bot.channels.store import ChannelStore, SendRecord

LEASE = "officer_replies:messenger"


class Desk:
    """The backend as the pollers see it: officers' replies waiting to be sent, and
    the delivery reports it received."""

    base_url = "http://127.0.0.1:9"

    def __init__(self) -> None:
        self.waiting: dict[int, OfficerReply] = {}
        self.reports: list[tuple[int, bool, str | None]] = []
        self.refuse_reports = 0

    def write(self, message_id: int, sender_id: str = "PSID_1001") -> None:
        """An officer writes a reply in the console."""
        self.waiting[message_id] = OfficerReply(
            handoff_id=7,
            message_id=message_id,
            sender_id=sender_id,
            text=f"Officer reply {message_id}",
        )

    async def pending_officer_replies(self, channel: str) -> list[OfficerReply]:
        await asyncio.sleep(0.005)
        return [self.waiting[key] for key in sorted(self.waiting)]

    async def report_delivery(
        self, reply: OfficerReply, sent: bool, error_code: str | None
    ) -> bool:
        await asyncio.sleep(0.005)
        if self.refuse_reports:
            self.refuse_reports -= 1
            return False
        self.reports.append((reply.message_id, sent, error_code))
        self.waiting.pop(reply.message_id, None)
        return True


class Platform:
    """The citizen's inbox: which process sent which reply (counted when the call
    reaches the platform, before its answer)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.delay = 0.02
        self.during_send: Callable[[], None] | None = None

    def sender(self, process: str) -> Callable[..., Awaitable[DeliveryResult]]:
        async def send_text(
            recipient_id: str, text: str, human: bool
        ) -> DeliveryResult:
            assert human
            self.sent.append((process, text))
            if self.during_send is not None:
                self.during_send()
            # The platform answers late (retries, throttling).
            await asyncio.sleep(self.delay)
            record = SendRecord("messenger", recipient_id, "text", "sent", 1, len(text))
            return DeliveryResult(ok=True, records=[record])

        return send_text

    def texts(self) -> list[str]:
        return [text for _, text in self.sent]


@pytest.fixture
def stores(database_url: str) -> Iterator[list[ChannelStore]]:
    """Two processes' connections to one channels database."""
    opened = [ChannelStore(database_url), ChannelStore(database_url)]
    yield opened
    for store in opened:
        store.dispose()


def poller(
    name: str,
    store: ChannelStore,
    desk: Desk,
    platform: Platform,
    interval: float = 0.05,
    lease: float = 0.5,
) -> OfficerReplies:
    replies = OfficerReplies(
        "messenger",
        desk,  # type: ignore[arg-type]
        platform.sender(name),
        interval,
        store,
        lease,
    )
    return replies


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds until `condition` held; fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def crash(replies: OfficerReplies) -> None:
    """The process dies: its tasks end, the lease stays in the database."""
    for task in replies._tasks:
        task.cancel()


@pytest.mark.asyncio
async def test_two_processes_send_each_reply_once(stores: list[ChannelStore]) -> None:
    desk, platform = Desk(), Platform()
    for message_id in range(1, 6):
        desk.write(message_id)
    first = poller("worker-1", stores[0], desk, platform)
    second = poller("worker-2", stores[1], desk, platform)
    first.start()
    second.start()
    try:
        await wait_for(lambda: not desk.waiting)
        # Officers keep writing while both keep polling.
        for message_id in range(6, 11):
            desk.write(message_id)
            await asyncio.sleep(0.03)
        await wait_for(lambda: not desk.waiting)
        await asyncio.sleep(0.3)  # several more polls of both: nothing goes out again
    finally:
        await first.stop()
        await second.stop()

    expected = [f"Officer reply {n}" for n in range(1, 11)]
    assert platform.texts() == expected
    assert [report[0] for report in desk.reports] == list(range(1, 11))
    # One process did the sending; the other only tried the lease.
    assert len({process for process, _ in platform.sent}) == 1


@pytest.mark.asyncio
async def test_the_other_process_takes_over_when_the_holder_dies(
    stores: list[ChannelStore],
) -> None:
    desk, platform = Desk(), Platform()
    first = poller("worker-1", stores[0], desk, platform, lease=0.6)
    first.start()
    desk.write(1)
    await wait_for(lambda: not desk.waiting)
    second = poller("worker-2", stores[1], desk, platform, lease=0.6)
    second.start()
    try:
        await asyncio.sleep(0.2)
        crash(first)
        died = time.monotonic()
        desk.write(2)
        await wait_for(lambda: not desk.waiting)
        waited = time.monotonic() - died
    finally:
        await second.stop()

    assert platform.sent == [
        ("worker-1", "Officer reply 1"),
        ("worker-2", "Officer reply 2"),
    ]
    # Not before the dead holder's lease ran out.
    assert waited >= 0.3
    assert stores[0].lease_holder(LEASE) is None


@pytest.mark.asyncio
async def test_a_process_that_stops_hands_over_at_once(
    stores: list[ChannelStore],
) -> None:
    desk, platform = Desk(), Platform()
    first = poller("worker-1", stores[0], desk, platform, lease=30)
    second = poller("worker-2", stores[1], desk, platform, lease=30)
    first.start()
    await wait_for(lambda: first.held)
    second.start()
    try:
        await asyncio.sleep(0.2)
        await first.stop()
        stopped = time.monotonic()
        desk.write(1)
        await wait_for(lambda: not desk.waiting)
        waited = time.monotonic() - stopped
    finally:
        await second.stop()

    assert platform.sent == [("worker-2", "Officer reply 1")]
    assert waited < 5  # far less than the 30-second lease


@pytest.mark.asyncio
async def test_a_send_longer_than_the_lease_keeps_it(
    stores: list[ChannelStore],
) -> None:
    """The platform keeps the holder waiting (retries, throttling) three times the
    lease: the holder keeps renewing, so the other process never sends the reply
    too."""
    desk, platform = Desk(), Platform()
    platform.delay = 1.2
    desk.write(1)
    first = poller("worker-1", stores[0], desk, platform, interval=0.05, lease=0.4)
    first.start()
    await wait_for(lambda: first.held)
    second = poller("worker-2", stores[1], desk, platform, interval=0.05, lease=0.4)
    second.start()
    try:
        await wait_for(lambda: not desk.waiting)
        await asyncio.sleep(0.3)
    finally:
        await first.stop()
        await second.stop()

    assert platform.sent == [("worker-1", "Officer reply 1")]


@pytest.mark.asyncio
async def test_a_holder_that_lost_the_lease_sends_nothing_more(
    stores: list[ChannelStore],
) -> None:
    """The holder's event loop stalled past its lease and another process took it:
    the old holder checks the lease before each send and stops."""
    desk, platform = Desk(), Platform()
    for message_id in (1, 2, 3):
        desk.write(message_id)
    first = poller("worker-1", stores[0], desk, platform)

    def taken_meanwhile() -> None:
        later = time.time() + first.lease_seconds + 1
        assert stores[1].hold_lease(LEASE, "worker-2", 60, now=later)

    platform.during_send = taken_meanwhile
    assert await first.deliver_pending() == 1
    platform.during_send = None

    assert platform.sent == [("worker-1", "Officer reply 1")]
    assert sorted(desk.waiting) == [2, 3]
    assert await first.deliver_pending() == 0
    assert not first.held


@pytest.mark.asyncio
async def test_a_reply_whose_report_failed_is_reported_again_not_sent_again(
    stores: list[ChannelStore],
) -> None:
    desk, platform = Desk(), Platform()
    desk.write(1)
    desk.refuse_reports = 2
    first = poller("worker-1", stores[0], desk, platform)
    assert await first.deliver_pending() == 1
    assert desk.reports == [] and 1 in desk.waiting

    # The next polls, by this process or by the one that took over after it died.
    assert await first.deliver_pending() == 0
    second = poller("worker-2", stores[1], desk, platform)
    crash(first)
    stores[0].release_lease(LEASE, first.holder)
    assert await second.deliver_pending() == 0

    assert platform.sent == [("worker-1", "Officer reply 1")]
    assert desk.reports == [(1, True, None)]
    assert desk.waiting == {}


def test_workers_forked_from_one_parent_hold_the_lease_one_at_a_time(
    stores: list[ChannelStore],
) -> None:
    """Rasa makes the connectors, and so the poller, before it forks its workers:
    each worker still has a name of its own on the lease, so only one holds it."""
    replies = poller("rasa", stores[0], Desk(), Platform())
    parent_name = replies.holder
    answers = []
    for _ in range(2):
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.close(read_end)
            try:
                held = replies.hold_lease()
                os.write(write_end, f"{int(held)} {replies.holder}".encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as answer:
            answers.append(answer.read().split())
        os.wait()

    (first_held, first_name), (second_held, second_name) = answers
    assert (first_held, second_held) == ("1", "0")
    assert len({parent_name, first_name, second_name}) == 3
    assert stores[1].lease_holder(LEASE) == first_name
