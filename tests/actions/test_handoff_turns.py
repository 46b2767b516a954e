"""Handoff turns: the wait the citizen is told, not understood twice in a row hands
over, and the greeting when an officer gives the conversation back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from action_fakes import FakeBackend, Reply
from action_helpers import make_tracker, slot_events
from actions.handoff import (
    BackFromOfficer,
    NotUnderstood,
    RequestHandoff,
    pickup_minutes,
)
from actions.status import ComplaintStatus


def fallback(text: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}},
    }


async def run(action, domain: dict, **kwargs) -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**kwargs), domain)
    return slot_events(events), dispatcher.messages


def test_pickup_minutes_rounds_up_and_tolerates_gaps() -> None:
    handoff = {
        "created_at": "2026-12-04T10:00:00+00:00",
        "pickup_due": "2026-12-04T10:59:30+00:00",
    }
    assert pickup_minutes(handoff) == 60
    assert pickup_minutes({"created_at": "2026-12-04T10:00:00+00:00"}) is None
    assert pickup_minutes({"created_at": "x", "pickup_due": "y"}) is None


async def test_the_citizen_is_told_roughly_how_long(
    domain: dict, backend: FakeBackend, settings_env: Path, monkeypatch: Any
) -> None:
    answer = backend.answer

    def with_due(call: Any) -> Reply:
        if call.method == "POST" and call.path == "/api/handoffs":
            return Reply(
                201,
                {
                    "id": 7,
                    "status": "waiting",
                    "created_at": "2026-12-04T10:00:00Z",
                    "pickup_due": "2026-12-04T10:15:00Z",
                },
            )
        return answer(call)

    monkeypatch.setattr(backend, "answer", with_due)
    _slots, said = await run(
        RequestHandoff(), domain, text="officer chahiye", intent="request_human"
    )
    assert [m["response"] for m in said] == [
        "utter_handoff_started",
        "utter_handoff_wait",
    ]
    assert said[1]["wait"] == 15


async def test_one_message_not_understood_is_said_once(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    _slots, said = await run(
        NotUnderstood(),
        domain,
        text="asdf qwerty",
        intent="nlu_fallback",
        history=[
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}
        ],
    )
    assert [m["response"] for m in said] == ["utter_not_understood"]
    assert backend.calls_to("POST", "/api/handoffs") == []


async def test_twice_in_a_row_not_understood_hands_over(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    slots, said = await run(
        NotUnderstood(),
        domain,
        text="zzz bla",
        intent="nlu_fallback",
        history=[fallback("asdf qwerty"), {"event": "bot", "text": "Sorry"}],
        slots={"language": "hi-Latn"},
    )
    [call] = backend.calls_to("POST", "/api/handoffs")
    assert call.body["reason"] == "not_understood"
    assert call.body["language"] == "hi-Latn"
    assert said[0]["response"] == "utter_handoff_started"
    assert slots["handoff_id"] == "41"


@pytest.mark.parametrize(
    ("slots", "second"),
    [
        ({"complaint_reference": "MOPNG-2026-000123"}, "utter_back_with_reference"),
        (
            {
                "category": "lpg_delivery",
                "full_name": "Sunita Devi",
                "location": "Rohtak",
            },
            "utter_back_with_details",
        ),
        ({}, "utter_how_can_i_help"),
    ],
)
async def test_back_from_the_officer_the_bot_greets_knowing_what_it_has(
    domain: dict, slots: dict, second: str
) -> None:
    events_slots, said = await run(
        BackFromOfficer(),
        domain,
        text="",
        intent="EXTERNAL_handoff_returned",
        slots={"handoff_id": "41", **slots},
    )
    assert [m["response"] for m in said] == ["utter_back_from_officer", second]
    if second == "utter_back_with_details":
        assert "Sunita Devi" in said[1]["fields"] and "Rohtak" in said[1]["fields"]
    assert events_slots["handoff_id"] is None


def test_every_new_response_exists_in_three_languages(domain: dict) -> None:
    for name in (
        "utter_handoff_wait",
        "utter_handoff_timed_out",
        "utter_back_from_officer",
        "utter_back_with_details",
        "utter_back_with_reference",
    ):
        variants = domain["responses"][name]
        languages = {
            c["value"]
            for v in variants
            for c in v.get("condition", [])
            if c.get("name") == "language"
        }
        assert languages == {"en", "hi", "hi-Latn"}, name


def status_view(expected_by: str | None, overdue: bool | None) -> dict:
    """The backend's citizen view; `overdue` None leaves the flag out."""
    view = {
        "reference": "MOPNG-2026-000123",
        "status": "submitted",
        "updated_at": "2026-11-01T10:00:00Z",
        "expected_by": expected_by,
        "duplicate_of": None,
    }
    if overdue is not None:
        view["overdue"] = overdue
    return view


PAST, FUTURE = "2026-01-01T10:00:00Z", "2999-01-01T10:00:00Z"


@pytest.mark.parametrize(
    ("expected_by", "overdue", "hands_over"),
    [
        # The backend's flag decides, whatever the date the citizen was given says
        # (e.g. untouched past first contact, well before the closure date).
        (FUTURE, True, True),
        (PAST, True, True),
        (PAST, False, False),
        (FUTURE, False, False),
        (PAST, None, False),  # no flag: not overdue
        (None, None, False),
    ],
)
async def test_a_complaint_the_backend_calls_overdue_goes_to_an_officer(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    expected_by: str | None,
    overdue: bool | None,
    hands_over: bool,
) -> None:
    backend.statuses["MOPNG-2026-000123"] = (
        ("rest", "citizen-1"),
        status_view(expected_by, overdue),
    )
    _slots, said = await run(
        ComplaintStatus(),
        domain,
        text="MOPNG-2026-000123 ka kya hua?",
        intent="complaint_status",
        entities=[{"entity": "reference", "value": "MOPNG-2026-000123"}],
        slots={"language": "hi-Latn"},
    )
    calls = backend.calls_to("POST", "/api/handoffs")
    assert said[0]["response"] == "utter_status"
    assert bool(said[0]["expected"]) is (expected_by is not None)
    if expected_by:
        assert expected_by[:10] in said[0]["expected"]
    if not hands_over:
        assert calls == [] and len(said) == 1
        return
    [call] = calls
    assert call.body["reason"] == "overdue_repeat"
    assert call.body["complaint_reference"] == "MOPNG-2026-000123"
    assert said[1]["response"] == "utter_handoff_started"


@pytest.mark.parametrize(
    ("intent", "text", "slots", "reason", "priority"),
    [
        ("emergency", "cylinder phata, do log ghayal hain", {}, "accident", "urgent"),
        ("emergency", "सिलेंडर फटा, बीमा का दावा करना है", {}, "accident", "urgent"),
        ("emergency", "gas leak ho rahi hai", {}, "emergency", "urgent"),
        (
            "request_human",
            "officer se baat karni hai",
            {"description": "distributor ne 200 rupaye rishwat maangi"},
            "corruption",
            "normal",
        ),
        ("request_human", "एजेंसी कालाबाज़ारी कर रही है", {}, "corruption", "normal"),
        (
            "request_human",
            "mujhe officer se baat karni hai",
            {},
            "citizen_asked",
            "normal",
        ),
    ],
)
async def test_the_reason_and_priority_recorded(
    domain: dict,
    backend: FakeBackend,
    settings_env: Path,
    intent: str,
    text: str,
    slots: dict,
    reason: str,
    priority: str,
) -> None:
    await run(RequestHandoff(), domain, text=text, intent=intent, slots=slots)
    [call] = backend.calls_to("POST", "/api/handoffs")
    assert (call.body["reason"], call.body["priority"]) == (reason, priority)
