"""Handoffs that follow a filed complaint (issue 5): an allegation of bribery or
black-marketing, an emergency or accident, an injury or insurance claim, and a repeat
of a complaint already past its target. The complaint is filed first, so the officer
gets its reference and nothing the citizen said is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_fakes import Call, FakeBackend, FakeRasa, Reply
from action_helpers import make_tracker, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import reason_after_filing, urgent_reason
from actions.outbox import Outbox, OutboxWorker
from actions.settings import load_settings
from actions.submit import SubmitComplaint

FILED = {
    "category": "lpg_distributor_conduct",
    "full_name": "Sunita Devi",
    "consumer_id": "71000000123456789",
    "location": "Rohtak",
    "service_agency": "Shree Ganesh Gas",
    "company": "IOCL",
    "language": "hi-Latn",
    "priority": "normal",
    "idempotency_key": "key-0000000042",
    "confirmed": True,
}


def started(text: str, key: str = "key-0000000042") -> list[dict[str, Any]]:
    """The turns that opened a complaint: the citizen's message, then the start
    (the last complaint's slots cleared, a new idempotency key)."""
    return [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}}},
        {"event": "action", "name": "action_start_complaint"},
        {"event": "slot", "name": "idempotency_key", "value": None},
        {"event": "slot", "name": "idempotency_key", "value": key},
    ]


async def submit(
    domain: dict, description: str, history: list | None = None, **slots: Any
) -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="haan",
        intent="affirm",
        slots={**FILED, "description": description, **slots},
        history=history,
    )
    events = await SubmitComplaint().run(dispatcher, tracker, domain)
    return slot_events(events), dispatcher.messages


@pytest.mark.parametrize(
    ("description", "language"),
    [
        ("Distributor ne cylinder ke liye 200 rupaye rishwat maangi", "hi-Latn"),
        ("The delivery man asked for a bribe before giving the cylinder", "en"),
        ("एजेंसी सिलेंडर की कालाबाज़ारी कर रही है, होटलों को बेचती है", "hi"),
    ],
)
async def test_an_allegation_is_filed_then_handed_to_an_officer(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    description: str,
    language: str,
) -> None:
    slots, said = await submit(domain, description, language=language)

    [created] = backend.calls_to("POST", "/api/complaints")
    assert created.body["description"] == description
    [handoff] = backend.calls_to("POST", "/api/handoffs")
    assert handoff.body["reason"] == "corruption"
    assert handoff.body["complaint_reference"] == "MOPNG-2026-000001"
    assert handoff.body["language"] == language
    assert handoff.body["collected"]["full_name"] == "Sunita Devi"
    assert [m["response"] for m in said] == [
        "utter_submitted",
        "utter_handoff_after_filing_corruption",
    ]
    assert said[1]["reference"] == "MOPNG-2026-000001"
    assert slots["complaint_reference"] == "MOPNG-2026-000001"
    assert slots["handoff_id"] == "41"


async def test_an_allegation_made_later_in_the_form_counts(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    """Said while answering a question, not in the opening message."""
    history = started("agency wale cylinder nahi de rahe") + [
        {"event": "user", "text": "Shree Ganesh Gas, woh black mein bechte hain"},
    ]
    await submit(domain, "agency wale cylinder nahi de rahe", history=history)

    [handoff] = backend.calls_to("POST", "/api/handoffs")
    assert handoff.body["reason"] == "corruption"


async def test_an_earlier_complaints_words_do_not_count(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    history = (
        started("agency ne rishwat maangi", key="key-0000000001")
        + [{"event": "slot", "name": "idempotency_key", "value": None}]
        + started("cylinder nahi aaya")
        # The backend refused a field: a new key, the same complaint.
        + [{"event": "slot", "name": "idempotency_key", "value": "key-0000000043"}]
    )
    slots, said = await submit(domain, "cylinder nahi aaya", history=history)

    assert backend.calls_to("POST", "/api/handoffs") == []
    assert [m["response"] for m in said] == ["utter_submitted"]
    assert "handoff_id" not in slots


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("Cylinder phat gaya, do log ghayal hain", "accident"),
        ("रसोई में गैस लीक हो रही है", "emergency"),
    ],
)
async def test_an_urgent_complaint_goes_on_to_an_officer_at_once(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    description: str,
    reason: str,
) -> None:
    _, said = await submit(domain, description, priority="urgent")

    [handoff] = backend.calls_to("POST", "/api/handoffs")
    assert (handoff.body["reason"], handoff.body["priority"]) == (reason, "urgent")
    assert handoff.body["complaint_reference"] == "MOPNG-2026-000001"
    assert said[1]["response"] == "utter_handoff_after_filing_urgent"
    assert said[1]["emergency"] == "1906"


async def test_an_insurance_claim_goes_on_to_an_officer(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    await submit(domain, "Last month's cylinder accident: I want the insurance claim")

    [handoff] = backend.calls_to("POST", "/api/handoffs")
    assert (handoff.body["reason"], handoff.body["priority"]) == ("accident", "urgent")


async def test_an_ordinary_complaint_stays_with_the_bot(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    slots, said = await submit(domain, "Cylinder 10 din se nahi aaya")

    assert backend.calls_to("POST", "/api/handoffs") == []
    assert [m["response"] for m in said] == ["utter_submitted"]
    assert "handoff_id" not in slots


async def test_a_failed_handoff_keeps_the_filed_complaint(
    domain: dict, backend: FakeBackend, settings_env: Path, monkeypatch: Any
) -> None:
    answer = backend.answer

    def no_handoffs(call: Call) -> Reply:
        if call.path == "/api/handoffs":
            return Reply(503, {"error": {"code": "down", "message": "down"}})
        return answer(call)

    monkeypatch.setattr(backend, "answer", no_handoffs)
    slots, said = await submit(domain, "Distributor ne rishwat maangi")

    assert [m["response"] for m in said] == ["utter_submitted", "utter_handoff_failed"]
    assert slots["complaint_reference"] == "MOPNG-2026-000001"
    assert "handoff_id" not in slots


@pytest.mark.parametrize(("overdue", "hands_over"), [(True, True), (False, False)])
async def test_a_repeat_of_an_overdue_complaint_goes_to_an_officer(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    monkeypatch: Any,
    overdue: bool,
    hands_over: bool,
) -> None:
    backend.mode = "duplicate"
    answer = backend.answer

    def original(call: Call) -> Reply:
        if call.method == "GET" and call.path == "/api/complaints/MOPNG-2026-000077":
            return Reply(200, {"reference": "MOPNG-2026-000077", "overdue": overdue})
        return answer(call)

    monkeypatch.setattr(backend, "answer", original)
    _, said = await submit(domain, "Cylinder 10 din se nahi aaya, phir se likh rahi")

    handoffs = backend.calls_to("POST", "/api/handoffs")
    assert said[0]["response"] == "utter_duplicate"
    if not hands_over:
        assert handoffs == [] and len(said) == 1
        return
    [handoff] = handoffs
    assert handoff.body["reason"] == "overdue_repeat"
    assert handoff.body["complaint_reference"] == "MOPNG-2026-000077"
    assert said[1]["response"] == "utter_handoff_after_filing_overdue"


def test_the_reason_reads_only_this_complaint() -> None:
    tracker = make_tracker(
        text="haan",
        intent="affirm",
        slots={"description": "cylinder nahi aaya"},
        history=started("cylinder nahi aaya")
        + [{"event": "user", "text": "delivery boy ne ghoos maangi"}],
    )
    assert reason_after_filing(tracker) == "corruption"
    assert reason_after_filing(make_tracker(text="haan")) is None


def test_the_opening_message_counts_even_without_a_description() -> None:
    tracker = make_tracker(
        text="haan",
        intent="affirm",
        history=started("agency black mein bechti"),
    )
    assert reason_after_filing(tracker) == "corruption"


def test_a_complaint_started_without_the_start_action_is_found() -> None:
    """action_handle_unclear starts a complaint too: the key marks the start."""
    history = started("purani baat: rishwat maangi thi", key="key-0000000001") + [
        {"event": "slot", "name": "idempotency_key", "value": None},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "cylinder nahi aaya"},
        {"event": "action", "name": "action_handle_unclear"},
        {"event": "slot", "name": "idempotency_key", "value": "key-0000000042"},
    ]
    tracker = make_tracker(text="haan", intent="affirm", history=history)
    assert reason_after_filing(tracker) is None


async def test_an_allegation_kept_in_the_outbox_is_handed_over_once_filed(
    domain: dict,
    backend: FakeBackend,
    rasa_api: FakeRasa,
    settings_env: Path,
    monkeypatch: Any,
) -> None:
    """The backend is down at submission: the complaint waits in the outbox with its
    handoff; the worker files it, hands it over with the reference, then tells the
    citizen, each once."""
    monkeypatch.setenv("ESEVA_RASA_URL", rasa_api.url)
    backend.stop()
    slots, said = await submit(domain, "Distributor ne refill ke liye rishwat maangi")

    assert [m["response"] for m in said] == ["utter_saved_offline"]
    assert "handoff_id" not in slots
    entry = Outbox(settings_env).read("key-0000000042")
    assert entry["handoff"]["reason"] == "corruption"
    assert entry["handoff"]["language"] == "hi-Latn"

    backend.start()
    answer = backend.answer
    handoffs_down = True

    def handoffs_fail_first(call: Call) -> Reply:
        if call.path == "/api/handoffs" and handoffs_down:
            return Reply(503, {"error": {"code": "down", "message": "down"}})
        return answer(call)

    monkeypatch.setattr(backend, "answer", handoffs_fail_first)
    worker = OutboxWorker(load_settings())
    assert worker.run_once() == 0  # filed, the handoff not made yet: kept
    assert rasa_api.triggers() == []
    handoffs_down = False
    assert worker.run_once() == 1
    assert worker.run_once() == 0

    assert len(backend.complaints) == 1
    made = [c for c in backend.calls_to("POST", "/api/handoffs") if c.body]
    assert made[-1].body["reason"] == "corruption"
    assert made[-1].body["complaint_reference"] == "MOPNG-2026-000001"
    assert len(rasa_api.triggers()) == 1
    assert Outbox(settings_env).keys() == []


async def test_an_ordinary_complaint_in_the_outbox_makes_no_handoff(
    domain: dict,
    backend: FakeBackend,
    rasa_api: FakeRasa,
    settings_env: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("ESEVA_RASA_URL", rasa_api.url)
    backend.stop()
    await submit(domain, "Cylinder 10 din se nahi aaya")
    assert "handoff" not in Outbox(settings_env).read("key-0000000042")

    backend.start()
    assert OutboxWorker(load_settings()).run_once() == 1
    assert backend.calls_to("POST", "/api/handoffs") == []


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("gas leak ho rahi hai, smell aa rahi hai", "emergency"),
        ("two accidents at the godown this week", "accident"),
        ("the insurance claims are pending", "accident"),
        ("cylinder phata, bhai hospital mein hai", "accident"),
        ("सिलेंडर फटा, पिताजी अस्पताल में हैं", "accident"),
        ("पाइप से गैस निकल रही है", "emergency"),
        ("an accidental leak, no one hurt", "accident"),  # "hurt", not "accidental"
        ("the burner is leaking", "emergency"),  # "burn" only as a whole word
    ],
)
def test_an_urgent_handoff_says_accident_when_the_words_do(said, reason) -> None:
    assert urgent_reason(said) == reason
