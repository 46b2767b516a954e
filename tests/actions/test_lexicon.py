"""The words the bot recognises whatever the NLU made of them: cancel, yes / no at the
confirmation, emergencies (a safety net for the readings that cost most)."""

from __future__ import annotations

import pytest
from action_helpers import make_tracker, responses, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions import lexicon
from actions.conversation import StartComplaint
from actions.form import ValidateComplaintForm

READY = {
    "category": "lpg_delivery",
    "description": "cylinder nahi aaya",
    "full_name": "Sunita Devi",
    "consumer_id": "45821",
    "location": "Rohtak",
    "service_agency": "Shree Ganesh Gas",
    "company": "IOCL",
    "requested_slot": "confirmed",
}


@pytest.mark.parametrize("text", ["haan", "Haan ji!", "हाँ", "ठीक है", "yes", "👍"])
def test_yes_words(text: str) -> None:
    assert lexicon.is_yes(text)
    assert not lexicon.is_no(text)


@pytest.mark.parametrize("text", ["nahi", "नहीं", "no", "mat karo"])
def test_no_words(text: str) -> None:
    assert lexicon.is_no(text)


@pytest.mark.parametrize(
    "text", ["cancel", "Cancel karo", "band karo", "रहने दो", "stop", "rehne do."]
)
def test_cancel_words(text: str) -> None:
    assert lexicon.is_cancel(text)


@pytest.mark.parametrize("text", ["Rohtak", "Sunita Devi", "band", "haan Rohtak"])
def test_other_answers_are_none_of_these(text: str) -> None:
    assert not (lexicon.is_yes(text) or lexicon.is_no(text) or lexicon.is_cancel(text))


@pytest.mark.parametrize(
    "text",
    [
        "gas leak ho raha hai",
        "there is a smell of gas in the kitchen",
        "रसोई में गैस की बदबू आ रही है",
        "cylinder mein aag lag gayi",
        "सिलेंडर लीक हो रहा है",
    ],
)
def test_emergency_words(text: str) -> None:
    assert lexicon.mentions_emergency(text)


@pytest.mark.parametrize(
    "text", ["Shree Ganesh Gas", "cylinder nahi aaya", "Fireman Colony"]
)
def test_not_emergencies(text: str) -> None:
    assert not lexicon.mentions_emergency(text)


async def form_turn(domain: dict, text: str, intent: str, **kwargs) -> tuple:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent=intent, form_active=True, **kwargs)
    events = await ValidateComplaintForm().run(dispatcher, tracker, domain)
    return slot_events(events), responses(dispatcher)


async def test_yes_misread_by_the_nlu_still_confirms(domain: dict) -> None:
    slots, _ = await form_turn(domain, "haan ji", "nlu_fallback", slots=READY)

    assert slots["confirmed"] is True
    assert slots["requested_slot"] is None


async def test_cancel_misread_as_yes_files_nothing(domain: dict) -> None:
    """Case C02 even when the NLU reads "band karo" as affirm."""
    slots, _ = await form_turn(
        domain, "band karo", "affirm", slots=READY, candidates={"confirmed": True}
    )

    assert slots == {"confirmed": False, "requested_slot": None}


async def test_no_at_the_confirmation_ends_the_form(domain: dict) -> None:
    slots, _ = await form_turn(
        domain, "nahi", "deny", slots=READY, candidates={"confirmed": False}
    )

    assert slots["confirmed"] is False
    assert slots["requested_slot"] is None


async def test_a_leak_told_as_an_answer_gets_the_safety_steps(domain: dict) -> None:
    slots, said = await form_turn(
        domain,
        "gas leak ho raha hai",
        "inform",
        slots={
            "category": "lpg_delivery",
            "description": "cylinder nahi aaya",
            "requested_slot": "full_name",
        },
        candidates={"full_name": "gas leak ho raha hai"},
    )

    assert said == ["utter_emergency_safety"]
    assert slots["full_name"] is None
    assert slots["priority"] == "urgent"
    assert slots["description"] == "cylinder nahi aaya\ngas leak ho raha hai"
    assert slots["requested_slot"] == "full_name"


async def test_a_complaint_about_a_leak_starts_with_the_safety_steps(
    domain: dict,
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="mere cylinder se gas leak ho rahi hai", intent="complain_other"
    )

    events = await StartComplaint().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_emergency_safety"]
    assert slot_events(events)["priority"] == "urgent"
