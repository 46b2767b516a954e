"""The actions around the form: starting and cancelling a complaint, emergency, FAQ,
why, abuse, status and handoff, and the language slot."""

from __future__ import annotations

from pathlib import Path

import pytest
from action_fakes import FakeBackend
from action_helpers import make_tracker, responses, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import (
    AnswerFaq,
    CancelComplaint,
    Emergency,
    ExplainWhy,
    HandleAbuse,
    HandleUnclear,
    NoteExtraDetail,
    OfferEdit,
    StartComplaint,
)
from actions.handoff import RequestHandoff
from actions.language import ValidateSlotMappings, detected_language
from actions.status import ComplaintStatus


async def run(action, domain: dict, **kwargs) -> tuple[dict, list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**kwargs), domain)
    return slot_events(events), dispatcher.messages, events


async def test_start_takes_category_and_story_and_keeps_the_name(domain: dict) -> None:
    """Case C01: the opening message fills no free-text field but the description."""
    text = "mera gas cylinder 3 din se nahi aaya, complaint karni hai"
    slots, said, _ = await run(
        StartComplaint(),
        domain,
        text=text,
        intent="complain_lpg_delivery",
        slots={
            "full_name": "Sunita Devi",
            "language": "hi-Latn",
            "consumer_id": "45821",
            "location": "Old town",
            "complaint_reference": "MOPNG-2026-000001",
        },
    )

    assert slots["category"] == "lpg_delivery"
    assert slots["description"] == text
    assert slots["consumer_id"] is None and slots["location"] is None
    assert slots["outlet_details"] is None
    assert "full_name" not in slots and "language" not in slots
    assert slots["priority"] == "normal"
    assert len(slots["idempotency_key"]) >= 16
    assert said == []


async def test_start_keeps_what_the_opening_message_itself_gave(domain: dict) -> None:
    slots, _, _ = await run(
        StartComplaint(),
        domain,
        text="Indane consumer 45821 ka cylinder nahi aaya, Rohtak",
        intent="complain_lpg_delivery",
        candidates={"consumer_id": "45821", "company": "IOCL", "location": "Rohtak"},
    )

    assert slots["consumer_id"] == "45821"
    assert slots["company"] == "IOCL"
    assert slots["location"] == "Rohtak"


async def test_each_complaint_gets_its_own_key(domain: dict) -> None:
    first, _, _ = await run(StartComplaint(), domain, intent="complain_pump_stock")
    second, _, _ = await run(StartComplaint(), domain, intent="complain_pump_stock")

    assert first["idempotency_key"] != second["idempotency_key"]


async def test_file_complaint_leaves_the_category_to_ask(domain: dict) -> None:
    slots, _, _ = await run(
        StartComplaint(), domain, text="complaint karni hai", intent="file_complaint"
    )

    assert slots["category"] is None
    assert slots["description"] is None


async def test_cancel_ends_the_form_and_says_nothing_was_filed(domain: dict) -> None:
    """Case C02."""
    slots, said, events = await run(
        CancelComplaint(),
        domain,
        text="band karo",
        intent="cancel",
        slots={"category": "lpg_delivery", "requested_slot": "consumer_id"},
        form_active=True,
    )

    assert [m["response"] for m in said] == ["utter_cancelled"]
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert slots["category"] is None and slots["requested_slot"] is None


async def test_cancel_with_nothing_open(domain: dict) -> None:
    _, said, _ = await run(CancelComplaint(), domain, intent="cancel")

    assert [m["response"] for m in said] == ["utter_nothing_to_cancel"]


async def test_emergency_gives_safety_steps_first_then_offers(domain: dict) -> None:
    slots, said, _ = await run(
        Emergency(), domain, text="gas leak ho raha hai", intent="emergency"
    )

    assert [m["response"] for m in said] == [
        "utter_emergency_safety",
        "utter_emergency_offer",
    ]
    assert said[0]["emergency"] == "1906"
    assert slots["priority"] == "urgent"
    assert slots["description"] == "gas leak ho raha hai"


async def test_emergency_inside_the_form_makes_it_urgent(domain: dict) -> None:
    slots, said, _ = await run(
        Emergency(), domain, text="aag lag gayi", intent="emergency", form_active=True
    )

    assert [m["response"] for m in said] == ["utter_emergency_safety"]
    assert slots == {"priority": "urgent"}


async def test_yes_after_an_emergency_files_an_urgent_complaint(domain: dict) -> None:
    slots, _, _ = await run(
        StartComplaint(),
        domain,
        text="haan",
        intent="affirm",
        slots={
            "priority": "urgent",
            "emergency_offered": True,
            "description": "gas leak ho raha hai",
        },
    )

    assert slots["priority"] == "urgent"
    assert slots["description"] == "gas leak ho raha hai"
    assert slots["category"] == "other"


@pytest.mark.parametrize(
    ("intent", "response", "number"),
    [
        ("faq_emergency_number", "utter_faq_emergency_number", "1906"),
        ("faq_helpline", "utter_faq_helpline", "1800-2333-555"),
        ("faq_booking", "utter_faq_booking", "7718955555"),
        ("faq_lpg_id", "utter_faq_lpg_id", "mylpg.in"),
    ],
)
async def test_faq_answers_come_from_the_catalog(
    domain: dict, intent: str, response: str, number: str
) -> None:
    _, said, _ = await run(AnswerFaq(), domain, intent=intent)

    assert said[0]["response"] == response
    assert number in said[0].values()


async def test_why_explains_the_pending_question(domain: dict) -> None:
    _, said, _ = await run(
        ExplainWhy(), domain, intent="ask_why", slots={"requested_slot": "consumer_id"}
    )
    _, general, _ = await run(ExplainWhy(), domain, intent="ask_why")

    assert said[0]["response"] == "utter_why_consumer_id"
    assert general[0]["response"] == "utter_why_general"


async def test_venting_alone_gets_a_calm_answer(domain: dict, settings_env) -> None:
    _, said, _ = await run(HandleAbuse(), domain, text="bakwas service", intent="abuse")

    assert [m["response"] for m in said] == ["utter_abuse_calm"]


async def test_abuse_with_a_grievance_goes_to_an_officer(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    slots, said, _ = await run(
        HandleAbuse(),
        domain,
        text="bakwas Indane agency, 10 din se cylinder nahi",
        intent="abuse",
        entities=[{"entity": "brand", "value": "IOCL"}],
    )

    [call] = backend.calls_to("POST", "/api/handoffs")
    assert call.body["reason"] == "abusive_grievance"
    assert call.body["collected"]["description"].startswith("bakwas Indane")
    assert [m["response"] for m in said] == ["utter_handoff_started"]
    assert slots["handoff_id"] == "41"


async def test_handoff_carries_what_was_collected(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    slots, said, events = await run(
        RequestHandoff(),
        domain,
        text="officer se baat karni hai",
        intent="request_human",
        slots={
            "category": "lpg_delivery",
            "full_name": "Sunita Devi",
            "language": "hi-Latn",
            "validation_failures": {"consumer_id": {"count": 3, "reason": "length"}},
        },
        form_active=True,
        channel="x",
    )

    [call] = backend.calls_to("POST", "/api/handoffs")
    assert call.body == {
        "channel": "x",
        "sender_id": "citizen-1",
        "reason": "validation_failed",
        "priority": "normal",
        "language": "hi-Latn",
        "collected": {"category": "lpg_delivery", "full_name": "Sunita Devi"},
    }
    assert [m["response"] for m in said] == ["utter_handoff_started"]
    assert slots["handoff_id"] == "41"
    assert slots["requested_slot"] is None


async def test_emergency_handoff_is_urgent(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    await run(
        RequestHandoff(), domain, intent="request_human", slots={"priority": "urgent"}
    )

    [call] = backend.calls_to("POST", "/api/handoffs")
    assert (call.body["reason"], call.body["priority"]) == ("emergency", "urgent")


async def test_handoff_failure_is_told_and_keeps_the_form(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.stop()

    _, said, events = await run(
        RequestHandoff(), domain, intent="request_human", form_active=True
    )

    assert [m["response"] for m in said] == ["utter_handoff_failed"]
    assert said[0]["emergency"] == "1906"
    assert events == []


async def test_status_of_own_complaint(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.statuses["MOPNG-2026-000123"] = (
        ("messenger", "citizen-1"),
        {
            "reference": "MOPNG-2026-000123",
            "status": "in_progress",
            "updated_at": "2026-12-03T10:00:00Z",
            "expected_by": "2026-12-20T10:00:00Z",
        },
    )

    _, said, _ = await run(
        ComplaintStatus(),
        domain,
        text="status of mopng-2026-000123",
        intent="complaint_status",
        entities=[{"entity": "reference", "value": "MOPNG-2026-000123"}],
        slots={"language": "hi"},
        channel="messenger",
    )

    [call] = backend.calls_to("GET", "/api/complaints/MOPNG-2026-000123/status")
    assert call.query == {"channel": ["messenger"], "sender_id": ["citizen-1"]}
    assert said[0]["response"] == "utter_status"
    assert said[0]["status"] == "कार्रवाई जारी"
    assert said[0]["updated_at"] == "2026-12-03"
    assert "2026-12-20" in said[0]["expected"]


async def test_status_of_another_senders_complaint_reveals_nothing(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.statuses["MOPNG-2026-000123"] = (("messenger", "someone-else"), {})

    _, said, _ = await run(
        ComplaintStatus(),
        domain,
        intent="complaint_status",
        entities=[{"entity": "reference", "value": "MOPNG-2026-000123"}],
        channel="messenger",
    )

    assert [m["response"] for m in said] == ["utter_status_not_found"]
    assert "MOPNG" not in str(said)  # nothing about the complaint is echoed


async def test_status_without_a_reference_asks_for_it(domain: dict) -> None:
    _, said, _ = await run(ComplaintStatus(), domain, intent="complaint_status")

    assert [m["response"] for m in said] == ["utter_status_ask_reference"]


async def test_status_when_the_backend_is_down(
    domain: dict, backend: FakeBackend, settings_env: Path
) -> None:
    backend.stop()

    _, said, _ = await run(
        ComplaintStatus(),
        domain,
        intent="complaint_status",
        entities=[{"entity": "reference", "value": "MOPNG-2026-000123"}],
    )

    assert [m["response"] for m in said] == ["utter_status_unavailable"]


async def test_more_story_inside_the_form_is_added_to_the_description(
    domain: dict,
) -> None:
    slots, said, _ = await run(
        NoteExtraDetail(),
        domain,
        text="aur delivery boy ne 50 rupaye zyada maange",
        intent="complain_lpg_overcharge",
        slots={"description": "cylinder late"},
        form_active=True,
    )

    assert slots["description"] == (
        "cylinder late\naur delivery boy ne 50 rupaye zyada maange"
    )
    assert [m["response"] for m in said] == ["utter_extra_detail_noted"]


@pytest.mark.parametrize(
    ("text", "detected", "confidence", "current", "requested", "expected"),
    [
        ("mera cylinder nahi aaya", "hi-Latn", 0.9, None, None, "hi-Latn"),
        ("मेरा सिलेंडर नहीं आया", "hi", 0.95, "en", None, "hi"),
        ("my cylinder has not come", "en", 0.9, "hi-Latn", None, "en"),
        ("45821", "en", 0.3, "hi", "consumer_id", None),
        ("ok", "en", 0.4, "hi", None, None),
        ("👍", "en", 0.1, "hi-Latn", None, None),
        ("Sunita Devi", "en", 0.8, "hi-Latn", "full_name", None),
        ("mujhe hindi mein baat karni hai", "hi-Latn", 0.6, "en", None, None),
        ("please answer in English now", "en", 0.9, "hi", None, "en"),
    ],
)
def test_language_switches_only_on_a_clear_message(
    text: str,
    detected: str,
    confidence: float,
    current: str | None,
    requested: str | None,
    expected: str | None,
) -> None:
    assert detected_language(text, detected, confidence, current, requested) == expected


async def test_language_slot_is_filled_from_the_parse_result(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="मेरा सिलेंडर नहीं आया",
        intent="complain_lpg_delivery",
        parse_extra={"language": "hi", "language_confidence": 0.97},
    )

    events = await ValidateSlotMappings().run(dispatcher, tracker, domain)

    assert slot_events(events) == {"language": "hi"}
    assert responses(dispatcher) == []


def ranked(*pairs: tuple[str, float]) -> dict:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}]
    ranking += [{"name": name, "confidence": value} for name, value in pairs]
    return {"intent_ranking": ranking}


async def test_an_unclear_leak_still_gets_the_safety_steps(domain: dict) -> None:
    slots, said, _ = await run(
        HandleUnclear(),
        domain,
        text="rasoi mein ajeeb si smell",
        intent="nlu_fallback",
        parse_extra=ranked(("emergency", 0.31), ("complain_other", 0.2)),
    )

    assert [m["response"] for m in said][0] == "utter_emergency_safety"
    assert slots["emergency_offered"] is True


async def test_an_unclear_complaint_starts_the_form(domain: dict) -> None:
    """Case C01 when the NLU hesitates between two complaint readings."""
    slots, said, events = await run(
        HandleUnclear(),
        domain,
        text="mera gas cylinder 3 din se nahi aaya, complaint karni hai",
        intent="nlu_fallback",
        parse_extra=ranked(("complain_lpg_delivery", 0.45), ("file_complaint", 0.4)),
    )

    assert said == []
    assert slots["category"] == "lpg_delivery"
    assert slots["description"].startswith("mera gas cylinder")
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "complaint_form")


async def test_an_unclear_message_with_details_starts_a_complaint(domain: dict) -> None:
    slots, said, events = await run(
        HandleUnclear(),
        domain,
        text="main Sunita Devi, Rohtak se, Shree Ganesh Gas wali agency se lete hain",
        intent="nlu_fallback",
        parse_extra=ranked(("inform", 0.42), ("faq_documents", 0.1)),
    )

    assert said == []
    assert slots["category"] is None  # nothing says what went wrong: the form asks
    assert slots["description"].startswith("main Sunita Devi")
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "complaint_form")


async def test_an_unclear_message_read_as_details_still_says_the_complaint(
    domain: dict,
) -> None:
    slots, _, events = await run(
        HandleUnclear(),
        domain,
        text="mera gas cylinder 3 din se nahi aaya, complaint karni hai",
        intent="nlu_fallback",
        parse_extra=ranked(("inform", 0.42), ("faq_documents", 0.1)),
    )

    assert slots["category"] == "lpg_delivery"
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "complaint_form")


async def test_two_complaint_readings_that_disagree_ask_the_category(
    domain: dict,
) -> None:
    slots, _, _ = await run(
        HandleUnclear(),
        domain,
        text="cylinder aur petrol dono ki dikkat",
        intent="nlu_fallback",
        parse_extra=ranked(
            ("complain_lpg_delivery", 0.4), ("complain_pump_stock", 0.35)
        ),
    )

    assert slots["category"] is None


async def test_an_unclear_message_is_said_so(domain: dict) -> None:
    _, said, events = await run(
        HandleUnclear(),
        domain,
        text="asdf qwerty",
        intent="nlu_fallback",
        parse_extra=ranked(("greet", 0.2), ("thanks", 0.1)),
    )

    assert [m["response"] for m in said] == ["utter_not_understood"]
    assert events == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("sorry, my name is Pooja Malhotra", "Pooja Malhotra"),
        ("maaf kijiye, mera naam Pooja Malhotra hai", "Pooja Malhotra"),
        ("माफ़ कीजिए, मेरा नाम पूजा मल्होत्रा है", "पूजा मल्होत्रा"),
    ],
)
async def test_a_name_correction_without_an_entity_still_changes_the_name(
    domain: dict, text: str, name: str
) -> None:
    slots, said, _ = await run(
        OfferEdit(),
        domain,
        text=text,
        intent="correct",
        slots={"full_name": "Pooja Mehra"},
        form_active=True,
    )

    assert slots == {"full_name": name}
    assert [m["response"] for m in said] == ["utter_noted"]


async def test_a_correction_without_a_value_asks_which_field(domain: dict) -> None:
    slots, said, _ = await run(
        OfferEdit(), domain, text="kuch galat hai", intent="correct", form_active=True
    )

    assert slots == {}
    assert [m["response"] for m in said] == ["utter_ask_edit_field"]


async def test_an_unclear_message_with_a_reference_asks_its_status(
    domain: dict,
) -> None:
    _, said, events = await run(
        HandleUnclear(),
        domain,
        text="status of MOPNG-2026-000123",
        intent="nlu_fallback",
        entities=[{"entity": "reference", "value": "MOPNG-2026-000123"}],
        parse_extra=ranked(("out_of_scope", 0.28), ("affirm", 0.13)),
    )

    assert said == []
    assert (events[-1]["event"], events[-1]["name"]) == (
        "followup",
        "action_complaint_status",
    )


async def test_a_complaint_right_after_the_emergency_offer_is_urgent(
    domain: dict,
) -> None:
    slots, _, _ = await run(
        StartComplaint(),
        domain,
        text="haan complaint darj karo",
        intent="file_complaint",
        slots={
            "priority": "urgent",
            "emergency_offered": True,
            "description": "ghar mein gas ki smell aa rahi hai",
        },
    )

    assert slots["priority"] == "urgent"
    assert slots["description"] == "ghar mein gas ki smell aa rahi hai"
    assert slots["emergency_offered"] is None


async def test_details_with_a_likely_complaint_reading_take_its_category(
    domain: dict,
) -> None:
    slots, _, _ = await run(
        StartComplaint(),
        domain,
        text="Main Sunita Devi, Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki.",
        intent="inform",
        parse_extra={
            "intent_ranking": [
                {"name": "inform", "confidence": 0.6},
                {"name": "complain_lpg_delivery", "confidence": 0.3},
            ]
        },
    )

    assert slots["category"] == "lpg_delivery"
