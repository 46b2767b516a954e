"""Recovery at start with several Rasa processes (SANIC_WORKERS > 1) on one channels
database, SQLite and (with TEST_DATABASE_URL) PostgreSQL: a message acknowledged but
not processed before the restart gets one Rasa turn, not one per process."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels import store as states
from bot.channels.backend import BackendClient
from bot.channels.delivery import DeliveryResult
from bot.channels.message import InboundMessage
from bot.channels.outbox import Outgoing
from bot.channels.runtime import ChannelRuntime
from bot.channels.store import ChannelStore


def acknowledge(store: ChannelStore, number: int, at: float) -> None:
    """A message the webhook answered 200 for, still waiting for its turn."""
    message = InboundMessage(
        channel="messenger",
        sender_id=f"PSID_{number}",
        message_id=f"m_{number}",
        text=f"message {number}",
    )
    assert store.claim(
        "messenger", message.message_id, message.sender_id, message.to_dict(), now=at
    )


def test_processes_recovering_at_once_take_each_message_once(
    database_url: str,
) -> None:
    stores = [ChannelStore(database_url) for _ in range(4)]
    started = time.time()
    for number in range(12):
        acknowledge(stores[0], number, started - 60 + number)
    # Acknowledged by a process of this run after it started: that process has it.
    acknowledge(stores[0], 99, started + 1)
    # Processed before the restart: nothing to recover.
    stores[0].finish("messenger", "m_0", states.ANSWERED)

    barrier = threading.Barrier(len(stores))

    def recover(store: ChannelStore) -> list[str]:
        barrier.wait()
        taken = store.take_pending("messenger", 3600, started)
        return [data["message_id"] for data in taken]

    with ThreadPoolExecutor(len(stores)) as pool:
        taken = list(pool.map(recover, stores))

    everything = [message_id for ids in taken for message_id in ids]
    assert sorted(everything) == sorted(f"m_{n}" for n in range(1, 12))
    # Asking again in the same run finds nothing more.
    assert stores[1].take_pending("messenger", 3600, started) == []

    # A process that took a message died before its turn: the next run has it.
    stores[2].finish("messenger", "m_1", states.ANSWERED)
    again = stores[3].take_pending("messenger", 3600, time.time() + 5)
    assert sorted(d["message_id"] for d in again) == sorted(
        [f"m_{n}" for n in range(2, 12)] + ["m_99"]
    )
    for store in stores:
        store.dispose()


class Inbox:
    """The platform: what the bot sent, and to whom."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(
        self, recipient_id: str, messages: list[Outgoing], in_reply_to: str | None
    ) -> DeliveryResult:
        self.sent.append(recipient_id)
        return DeliveryResult(ok=True)


@pytest.mark.asyncio
async def test_two_rasa_processes_give_a_recovered_message_one_turn(
    database_url: str,
) -> None:
    inbox = Inbox()
    turns: list[str] = []

    async def rasa(message: UserMessage) -> None:
        turns.append(message.message_id)
        await asyncio.sleep(0.01)
        await message.output_channel.send_text_message(message.sender_id, "noted")

    before_restart = ChannelStore(database_url)
    started = time.time()
    for number in range(5):
        acknowledge(before_restart, number, started - 10)
    before_restart.dispose()

    workers = []
    for _ in range(2):
        worker = ChannelRuntime(
            "messenger", ChannelStore(database_url), BackendClient("", ""), inbox
        )
        worker.on_new_message = rasa
        workers.append(worker)
    recovered = [worker.recover(started) for worker in workers]
    for worker in workers:
        await worker.queues.drain()
        await worker.queues.close()

    assert sum(recovered) == 5
    assert sorted(turns) == [f"m_{n}" for n in range(5)]
    assert sorted(inbox.sent) == [f"PSID_{n}" for n in range(5)]
    for number in range(5):
        state = workers[0].store.state("messenger", f"m_{number}")
        assert state == states.ANSWERED
    for worker in workers:
        worker.store.dispose()
