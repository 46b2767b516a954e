"""The channel store on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.channels import store as states
from bot.channels.store import ChannelStore, SendRecord, normalise_url
from bot.channels.text import Option

LEASE = "officer_replies:messenger"


def test_normalise_url() -> None:
    assert normalise_url("postgresql+psycopg://postgres@127.0.0.1:5432/x") == (
        "postgresql+psycopg2://postgres@127.0.0.1:5432/x"
    )
    assert normalise_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
    assert normalise_url("sqlite:///var/channels.db").endswith("/var/channels.db")
    assert normalise_url("sqlite:///var/channels.db").startswith("sqlite:////")


def test_a_message_id_is_claimed_once(database_url: str) -> None:
    store = ChannelStore(database_url)
    assert store.claim("messenger", "m_TEST_0001", "PSID_1001", {"text": "x"})
    assert not store.claim("messenger", "m_TEST_0001", "PSID_1001", {"text": "x"})
    # The same id on another channel is another message.
    assert store.claim("x", "m_TEST_0001", "2001")
    assert store.state("messenger", "m_TEST_0001") == states.QUEUED
    assert store.take_pending("messenger", 60, time.time() + 1) == [{"text": "x"}]

    store.finish("messenger", "m_TEST_0001", states.ANSWERED)
    assert store.state("messenger", "m_TEST_0001") == states.ANSWERED
    # Taken again by a later run if it were still waiting: it is not.
    assert store.take_pending("messenger", 60, time.time() + 5) == []
    # A new store on the same database (a restart) still knows the id.
    store.dispose()
    again = ChannelStore(database_url)
    assert not again.claim("messenger", "m_TEST_0001", "PSID_1001")
    again.dispose()


def test_ids_are_kept_for_the_retention_then_pruned(database_url: str) -> None:
    store = ChannelStore(database_url, dedup_days=7)
    old = time.time() - 8 * 86400
    assert store.claim("x", "old", "2001", now=old)
    assert store.claim("x", "recent", "2001", now=time.time() - 6 * 86400)
    store._last_prune = 0
    assert store.claim("x", "new", "2001")
    assert store.state("x", "old") is None
    assert store.state("x", "recent") == states.QUEUED
    store.dispose()


def test_last_inbound_never_moves_backwards(database_url: str) -> None:
    store = ChannelStore(database_url)
    assert store.last_inbound("messenger", "P") is None
    store.note_inbound("messenger", "P", 100.0)
    store.note_inbound("messenger", "P", 50.0)
    assert store.last_inbound("messenger", "P") == 100.0
    store.note_inbound("messenger", "P", 200.0)
    assert store.last_inbound("messenger", "P") == 200.0
    store.dispose()


def test_offers_are_replaced_each_turn(database_url: str) -> None:
    store = ChannelStore(database_url)
    store.save_offers("x", "2001", [Option("Yes", "/affirm"), Option("No", "/deny")])
    assert store.offers("x", "2001") == [
        Option("Yes", "/affirm"),
        Option("No", "/deny"),
    ]
    store.save_offers("x", "2001", [])
    assert store.offers("x", "2001") == []
    store.dispose()


def test_send_log(database_url: str) -> None:
    store = ChannelStore(database_url)
    store.record_send(
        SendRecord("messenger", "P", "text", "sent", 1, 12, "m1", "mid.1")
    )
    store.record_send(
        SendRecord(
            "messenger",
            "P",
            "text",
            "failed",
            1,
            5,
            None,
            None,
            "outside_window",
            "x" * 900,
        )
    )
    sent, failed = store.sends("messenger", "P")
    assert (sent["status"], sent["platform_message_id"], sent["in_reply_to"]) == (
        "sent",
        "mid.1",
        "m1",
    )
    assert (
        failed["error_code"] == "outside_window" and len(failed["error_message"]) == 500
    )
    store.dispose()


def test_the_lease_has_one_holder_at_a_time(database_url: str) -> None:
    """Two processes' stores on one database."""
    first, second = ChannelStore(database_url), ChannelStore(database_url)
    now = 1_000.0
    assert first.hold_lease(LEASE, "a", 10, now=now)
    assert not second.hold_lease(LEASE, "b", 10, now=now + 1)
    assert first.hold_lease(LEASE, "a", 10, now=now + 5)
    # Renewed at +5, so it lasts until +15, not +10.
    assert not second.hold_lease(LEASE, "b", 10, now=now + 12)
    assert first.lease_holder(LEASE, now=now + 12) == "a"
    assert second.lease_holder(LEASE, now=now + 15) is None

    # The holder stopped renewing: the next one takes it, the old one cannot.
    assert second.hold_lease(LEASE, "b", 10, now=now + 16)
    assert not first.hold_lease(LEASE, "a", 10, now=now + 17)
    # Another channel's lease is another lease.
    assert first.hold_lease("officer_replies:x", "a", 10, now=now + 17)

    # Only the holder can give it up.
    first.release_lease(LEASE, "a")
    assert second.lease_holder(LEASE, now=now + 17) == "b"
    second.release_lease(LEASE, "b")
    assert first.lease_holder(LEASE, now=now + 17) is None
    assert first.hold_lease(LEASE, "a", 10, now=now + 17)
    first.dispose()
    second.dispose()


def test_processes_racing_for_a_free_lease_get_one_holder(database_url: str) -> None:
    """Eight processes try to take the free (then expired) lease at the same moment:
    exactly one gets it each time."""
    stores = [ChannelStore(database_url) for _ in range(8)]
    for round_number, now in enumerate((1_000.0, 2_000.0)):
        barrier = threading.Barrier(len(stores))

        def try_lease(number: int, now: float = now) -> bool:
            barrier.wait()
            return stores[number].hold_lease(LEASE, f"worker-{number}", 10, now=now)

        with ThreadPoolExecutor(len(stores)) as pool:
            taken = list(pool.map(try_lease, range(len(stores))))
        assert taken.count(True) == 1, (round_number, taken)
        winner = f"worker-{taken.index(True)}"
        assert stores[0].lease_holder(LEASE, now=now) == winner
    for store in stores:
        store.dispose()


def test_no_connection_is_open_when_rasa_forks_its_workers(database_url: str) -> None:
    """The connectors make their store before Rasa forks; a connection open then
    would be shared by every worker."""
    store = ChannelStore(database_url)
    assert store.engine.pool.checkedin() == 0
    assert store.claim("x", "after_fork", "2001")
    store.dispose()
