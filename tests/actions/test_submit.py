"""Submitting a complaint: backend OK, duplicate, a refused field, 500, too slow,
down -> outbox -> delivered exactly once when it is back -> the citizen is told."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from action_fakes import FakeBackend, FakeRasa
from action_helpers import make_tracker, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.outbox import Outbox, OutboxWorker
from actions.settings import load_settings
from actions.submit import SubmitComplaint

CONFIRMED = {
    "category": "lpg_delivery",
    "description": "Cylinder 10 din se nahi aaya",
    "full_name": "Sunita Devi",
    "consumer_id": "71000000123456789",
    "location": "Rohtak",
    "service_agency": "Shree Ganesh Gas",
    "company": "IOCL",
    "language": "hi-Latn",
    "priority": "normal",
    "idempotency_key": "key-0000000001",
    "confirmed": True,
}


async def submit(domain: dict, slots: dict | None = None) -> tuple[dict, list, list]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="haan", intent="affirm", slots=slots or CONFIRMED, channel="messenger"
    )
    events = await SubmitComplaint().run(dispatcher, tracker, domain)
    return slot_events(events), events, dispatcher.messages


async def test_filed_with_every_field_and_the_key(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    slots, _, said = await submit(domain)

    [call] = backend.calls_to("POST", "/api/complaints")
    assert call.headers["idempotency-key"] == "key-0000000001"
    assert call.headers["authorization"] == "Bearer test-service-token"
    assert call.body == {
        "category": "lpg_delivery",
        "full_name": "Sunita Devi",
        "consumer_id": "71000000123456789",
        "location": "Rohtak",
        "service_agency": "Shree Ganesh Gas",
        "company": "IOCL",
        "description": "Cylinder 10 din se nahi aaya",
        "language": "hi-Latn",
        "channel": "messenger",
        "sender_id": "citizen-1",
        "priority": "normal",
    }
    assert said == [{**said[0], "response": "utter_submitted"}]
    assert said[0]["reference"] == "MOPNG-2026-000001"
    assert slots["complaint_reference"] == "MOPNG-2026-000001"
    # The next complaint starts empty, the name and language are kept.
    assert slots["category"] is None and slots["consumer_id"] is None
    assert "full_name" not in slots and "language" not in slots


async def test_running_twice_creates_one_complaint(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    await submit(domain)
    await submit(domain)

    assert len(backend.calls_to("POST", "/api/complaints")) == 2
    assert len(backend.complaints) == 1


async def test_duplicate_tells_the_original_reference(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.mode = "duplicate"

    slots, _, said = await submit(domain)

    assert said[0]["response"] == "utter_duplicate"
    assert said[0]["reference"] == "MOPNG-2026-000077"
    assert slots["complaint_reference"] == "MOPNG-2026-000077"


async def test_a_refused_field_is_asked_again_without_retrying(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.mode = "invalid"
    backend.invalid_field = "location"

    slots, events, said = await submit(domain)

    assert len(backend.calls_to("POST", "/api/complaints")) == 1
    assert slots["location"] is None
    assert slots["confirmed"] is None
    assert slots["idempotency_key"] != "key-0000000001"
    assert {"event": "followup", "name": "complaint_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert said[0]["response"] == "utter_field_rejected"
    assert said[0]["field"] == "Jagah"
    assert not any(settings_env.glob("*.json"))


async def test_no_means_nothing_is_filed(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    _, _, said = await submit(domain, {**CONFIRMED, "confirmed": False})

    assert backend.calls == []
    assert [m["response"] for m in said] == ["utter_not_filed"]


@pytest.mark.parametrize("mode", ["error500", "slow", "down"])
async def test_backend_failure_keeps_the_complaint_in_the_outbox(
    domain: dict, backend: FakeBackend, settings_env: Path, mode: str
) -> None:
    """Case C07: a clear answer within a few seconds, nothing lost."""
    if mode == "down":
        backend.stop()
    else:
        backend.mode = mode
        backend.slow_seconds = 3

    started = time.monotonic()
    slots, _, said = await submit(domain)
    elapsed = time.monotonic() - started

    assert elapsed < 4  # deadline 2 s in these settings, plus the last backoff
    assert [m["response"] for m in said] == ["utter_saved_offline"]
    if mode == "error500":
        assert len(backend.calls_to("POST", "/api/complaints")) == 3
    entry = Outbox(settings_env).read("key-0000000001")
    assert entry is not None
    assert entry["body"]["full_name"] == "Sunita Devi"
    assert entry["sender_id"] == "citizen-1"
    assert slots["category"] is None


async def test_outbox_delivers_once_when_the_backend_is_back(
    domain: dict,
    backend: FakeBackend,
    rasa_api: FakeRasa,
    settings_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESEVA_RASA_URL", rasa_api.url)
    monkeypatch.setenv("RASA_AUTH_TOKEN", "test-rasa-token")
    backend.stop()
    await submit(domain)
    worker = OutboxWorker(load_settings())

    assert worker.run_once() == 0  # still down: kept
    assert Outbox(settings_env).read("key-0000000001")["attempts"] == 2

    backend.start()  # the same port again
    assert worker.run_once() == 1
    assert worker.run_once() == 0

    assert len(backend.complaints) == 1
    [trigger] = rasa_api.triggers()
    assert trigger.path == "/conversations/citizen-1/trigger_intent"
    assert trigger.query["token"] == ["test-rasa-token"]
    assert trigger.query["output_channel"] == ["latest"]
    assert trigger.body == {
        "name": "EXTERNAL_complaint_registered",
        "entities": {"reference": "MOPNG-2026-000001"},
    }
    assert Outbox(settings_env).keys() == []


async def test_a_failed_notice_is_retried_without_filing_again(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rasa_down = FakeRasa(status=503)
    rasa_down.start()
    monkeypatch.setenv("ESEVA_RASA_URL", rasa_down.url)
    backend.mode = "error500"
    await submit(domain)
    backend.mode = "ok"
    worker = OutboxWorker(load_settings())

    try:
        assert worker.run_once() == 0  # filed, but the citizen not told yet
        assert Outbox(settings_env).read("key-0000000001")["state"] == "registered"
        rasa_down.status = 200
        assert worker.run_once() == 1
    finally:
        rasa_down.stop()

    creates = [c for c in backend.calls_to("POST", "/api/complaints") if c.body]
    assert len(backend.complaints) == 1
    assert len(creates) == 4  # three failed at submission, one by the worker
    assert len(rasa_down.triggers()) == 2


async def test_two_workers_at_once_file_and_tell_once(
    domain: dict,
    backend: FakeBackend,
    rasa_api: FakeRasa,
    settings_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESEVA_RASA_URL", rasa_api.url)
    backend.mode = "error500"
    await submit(domain)
    backend.mode = "ok"
    workers = [OutboxWorker(load_settings()) for _ in range(2)]
    finished: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w: finished.append(w.run_once()))
        for w in workers
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(finished) == [0, 1]
    assert len(backend.complaints) == 1
    assert len(rasa_api.triggers()) == 1


async def test_a_refused_outbox_entry_is_set_aside(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.mode = "error500"
    await submit(domain)
    backend.mode = "invalid"

    assert OutboxWorker(load_settings()).run_once() == 0

    assert Outbox(settings_env).keys() == []
    assert (settings_env / "failed" / "key-0000000001.json").exists()


def test_outbox_files_are_written_whole(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)

    outbox.put({"idempotency_key": "k1", "body": {"a": "ख" * 1000}})

    assert [p.name for p in tmp_path.iterdir()] == ["k1.json"]
    assert outbox.read("k1")["body"]["a"] == "ख" * 1000
