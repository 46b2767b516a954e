"""The complaint form's validation action and questions, driven the way the Rasa
server drives them: `run` with a tracker whose last slot events are the candidates."""

from __future__ import annotations

from typing import Any

import pytest
from action_helpers import make_tracker, responses, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.form import (
    AskConfirmed,
    AskConsumerId,
    AskFullName,
    AskOutletDetails,
    ValidateComplaintForm,
    summary,
)

LPG = {
    "category": "lpg_delivery",
    "description": "cylinder 3 din se nahi aaya",
    "priority": "normal",
}


async def validate(domain: dict, **kwargs: Any) -> tuple[dict, list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(**kwargs)
    events = await ValidateComplaintForm().run(dispatcher, tracker, domain)
    return slot_events(events), responses(dispatcher)


async def test_lpg_complaint_asks_the_name_first(domain: dict) -> None:
    slots, said = await validate(domain, slots=LPG, form_active=False, intent="x")

    assert slots["requested_slot"] == "full_name"
    assert said == []


async def test_questions_follow_the_category_family(domain: dict) -> None:
    base = {"description": "d", "full_name": "Sunita Devi", "location": "Rohtak"}

    lpg, _ = await validate(domain, slots={**base, "category": "lpg_delivery"})
    pump, _ = await validate(domain, slots={**base, "category": "pump_quality"})
    gas, _ = await validate(domain, slots={**base, "category": "cgd_billing"})
    gas_known, _ = await validate(
        domain, slots={**base, "category": "cgd_billing", "company": "IGL"}
    )
    new_connection, _ = await validate(
        domain,
        slots={**base, "category": "lpg_new_connection", "service_agency": "Shree"},
    )

    assert lpg["requested_slot"] == "consumer_id"
    assert pump["requested_slot"] == "outlet_details"
    assert gas["requested_slot"] == "outlet_details"
    assert gas_known["requested_slot"] == "confirmed"
    # A new connection may have no consumer number yet, but is asked (see below).
    assert new_connection["requested_slot"] == "consumer_id"


async def test_file_complaint_without_category_asks_for_it(domain: dict) -> None:
    slots, _ = await validate(domain, slots={"priority": "normal"})

    assert slots["requested_slot"] == "category"


async def test_a_complaint_intent_answers_the_category_question(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="pump pe petrol kam diya",
        intent="complain_pump_short_delivery",
        slots={"requested_slot": "category"},
        form_active=True,
    )

    assert slots["category"] == "pump_short_delivery"
    assert slots["requested_slot"] == "description"


async def test_name_answer_is_normalised(domain: dict) -> None:
    slots, said = await validate(
        domain,
        text="mera naam Sunita Devi hai",
        slots={**LPG, "requested_slot": "full_name"},
        candidates={"full_name": "mera naam Sunita Devi hai"},
        form_active=True,
    )

    assert slots["full_name"] == "Sunita Devi"
    assert slots["requested_slot"] == "consumer_id"
    assert said == []


async def test_several_fields_in_one_message_are_all_used(domain: dict) -> None:
    """Case C03: the right number goes to the right field, nothing is asked twice."""
    text = (
        "Main Sunita Devi, Indane consumer no 71000000123456789, mobile 9800000000, "
        "Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki."
    )
    slots, _ = await validate(
        domain,
        text=text,
        slots={**LPG, "requested_slot": "full_name"},
        candidates={
            "full_name": "Sunita Devi",
            "consumer_id": "71000000123456789",
            "location": "Rohtak",
            "service_agency": "Shree Ganesh Gas",
            "company": "IOCL",
        },
        form_active=True,
    )

    assert slots["full_name"] == "Sunita Devi"
    assert slots["consumer_id"] == "71000000123456789"
    assert slots["location"] == "Rohtak"
    assert slots["service_agency"] == "Shree Ganesh Gas"
    assert slots["company"] == "IOCL"
    assert slots["requested_slot"] == "confirmed"


async def test_company_is_derived_from_the_agency_name(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="Bharat Gas Seva Kendra",
        slots={**LPG, "full_name": "A B", "consumer_id": "45821", "location": "Pune"}
        | {"requested_slot": "service_agency"},
        candidates={"service_agency": "Bharat Gas Seva Kendra"},
        form_active=True,
    )

    assert slots["company"] == "BPCL"
    assert slots["requested_slot"] == "confirmed"


async def test_company_is_asked_when_it_cannot_be_derived(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="Shree Ganesh Gas",
        slots={**LPG, "full_name": "A B", "consumer_id": "45821", "location": "Pune"}
        | {"requested_slot": "service_agency"},
        candidates={"service_agency": "Shree Ganesh Gas"},
        form_active=True,
    )

    assert "company" not in slots or slots["company"] is None
    assert slots["requested_slot"] == "company"


async def test_a_stray_entity_does_not_overwrite_a_given_value(domain: dict) -> None:
    """Only an answer to its own question or a correction replaces a field."""
    slots, _ = await validate(
        domain,
        text="Rohtak",
        slots={**LPG, "full_name": "Sunita Devi", "requested_slot": "location"},
        candidates={"full_name": "Rohtak", "location": "Rohtak"},
        form_active=True,
    )

    assert slots["full_name"] == "Sunita Devi"
    assert slots["location"] == "Rohtak"


async def test_a_correction_replaces_a_given_value(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="sorry, my name is Sunita Devi",
        intent="correct",
        slots={
            **LPG,
            "full_name": "Sunil Dev",
            "consumer_id": "45821",
            "requested_slot": "location",
        },
        candidates={"full_name": "Sunita Devi"},
        form_active=True,
    )

    assert slots["full_name"] == "Sunita Devi"
    assert slots["requested_slot"] == "location"


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("pata nahi", "utter_invalid_consumer_id_not_number"),
        ("12", "utter_invalid_consumer_id_length"),
        ("9800000000", "utter_invalid_consumer_id_phone"),
    ],
)
async def test_an_invalid_consumer_id_gets_a_specific_hint(
    domain: dict, answer: str, hint: str
) -> None:
    slots, said = await validate(
        domain,
        text=answer,
        slots={**LPG, "full_name": "A B", "requested_slot": "consumer_id"},
        candidates={"consumer_id": answer},
        form_active=True,
    )

    assert slots["consumer_id"] is None
    assert slots["requested_slot"] == "consumer_id"
    assert said == [hint]
    assert slots["validation_failures"]["consumer_id"]["count"] == 1


async def test_secrets_are_never_stored_and_the_citizen_is_warned(domain: dict) -> None:
    slots, said = await validate(
        domain,
        text="my aadhaar is 2345 6789 0124",
        slots={**LPG, "full_name": "A B", "requested_slot": "consumer_id"},
        candidates={"consumer_id": "my aadhaar is 2345 6789 0124"},
        form_active=True,
    )

    assert slots["consumer_id"] is None
    assert said == ["utter_sensitive_warning"]


async def test_three_strikes_then_help_and_a_way_on(domain: dict) -> None:
    """Case C04: three re-asks with hints at most, then where to find it."""
    current: dict[str, Any] = {
        **LPG,
        "full_name": "A B",
        "requested_slot": "consumer_id",
    }
    asked: list[list[str]] = []
    for answer in ("pata nahi", "12", "abc", "passbook ghar pe hai"):
        slots, said = await validate(
            domain,
            text=answer,
            slots=current,
            candidates={"consumer_id": answer},
            form_active=True,
        )
        current = {**current, **slots}
        dispatcher = CollectingDispatcher()
        await AskConsumerId().run(dispatcher, make_tracker(slots=current), domain)
        asked.append(said + responses(dispatcher))

    assert asked[0] == ["utter_invalid_consumer_id_not_number", "utter_ask_consumer_id"]
    assert asked[1] == ["utter_invalid_consumer_id_length", "utter_ask_consumer_id"]
    assert asked[2] == ["utter_help_consumer_id"]
    assert asked[3] == ["utter_help_consumer_id"]
    assert current["validation_failures"]["consumer_id"]["count"] == 4


async def test_continue_without_the_consumer_id(domain: dict) -> None:
    """ "I don't have it": first where to find it, then on without it."""
    asked = {**LPG, "full_name": "A B", "requested_slot": "consumer_id"}
    first, said_first = await validate(
        domain,
        text="mere paas number nahi hai",
        intent="no_consumer_id",
        slots=asked,
        candidates={"skip_requested": True},
        form_active=True,
    )
    current = {**asked, **first}
    dispatcher = CollectingDispatcher()
    await AskConsumerId().run(dispatcher, make_tracker(slots=current), domain)

    second, said_second = await validate(
        domain,
        text="/no_consumer_id",
        intent="no_consumer_id",
        slots=current,
        candidates={"skip_requested": True},
        form_active=True,
    )

    assert first["requested_slot"] == "consumer_id"
    assert responses(dispatcher) == ["utter_help_consumer_id"]
    assert second["skipped_fields"] == ["consumer_id"]
    assert second["consumer_id"] is None
    assert second["requested_slot"] == "location"
    assert said_second == ["utter_skipped_field"]


async def test_no_consumer_number_said_early_skips_it(domain: dict) -> None:
    slots, said = await validate(
        domain,
        text="mere paas consumer number nahi hai",
        intent="no_consumer_id",
        slots={**LPG, "requested_slot": "full_name"},
        candidates={"skip_requested": True},
        form_active=True,
    )

    assert slots["skipped_fields"] == ["consumer_id"]
    assert slots["requested_slot"] == "full_name"
    assert said == ["utter_skipped_field"]


async def test_no_to_the_consumer_id_first_says_where_to_find_it(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="nahi",
        intent="deny",
        slots={**LPG, "full_name": "A B", "requested_slot": "consumer_id"},
        candidates={"skip_requested": True},
        form_active=True,
    )
    current = {**LPG, "full_name": "A B", **slots}
    dispatcher = CollectingDispatcher()
    await AskConsumerId().run(dispatcher, make_tracker(slots=current), domain)

    assert slots["requested_slot"] == "consumer_id"
    assert responses(dispatcher) == ["utter_help_consumer_id"]


async def test_a_required_field_after_three_strikes_offers_an_officer(
    domain: dict,
) -> None:
    failures = {"full_name": {"count": 3, "reason": "not_name"}}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={**LPG, "validation_failures": failures})

    await AskFullName().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_help_required_field", "utter_ask_full_name"]


async def test_a_long_story_at_the_outlet_question_goes_to_the_description(
    domain: dict,
) -> None:
    """Case C06: nothing is lost; the outlet is asked again briefly."""
    story = ("Pump wale ne meter zero nahi kiya aur paise zyada liye. " * 80).strip()
    slots, said = await validate(
        domain,
        text=story,
        slots={
            "category": "pump_short_delivery",
            "description": "kam petrol",
            "full_name": "A B",
            "location": "Jaipur",
            "requested_slot": "outlet_details",
        },
        candidates={"outlet_details": story},
        form_active=True,
    )

    assert slots["outlet_details"] is None
    assert slots["description"].startswith("kam petrol\nPump wale")
    assert len(slots["description"]) <= 5000
    assert said == ["utter_invalid_too_long"]


async def test_edit_at_the_confirmation_clears_the_field(domain: dict) -> None:
    given = {
        **LPG,
        "full_name": "A B",
        "consumer_id": "45821",
        "location": "Pune",
        "service_agency": "Indane Seva",
        "company": "IOCL",
        "requested_slot": "confirmed",
    }
    slots, _ = await validate(
        domain,
        text="/correct",
        intent="correct",
        slots=given,
        candidates={"edit_field": "location"},
        form_active=True,
    )

    assert slots["location"] is None
    assert slots["edit_field"] is None
    assert slots["requested_slot"] == "location"


async def test_yes_at_the_confirmation_ends_the_form(domain: dict) -> None:
    given = {
        **LPG,
        "full_name": "A B",
        "consumer_id": "45821",
        "location": "Pune",
        "service_agency": "Indane Seva",
        "company": "IOCL",
        "requested_slot": "confirmed",
    }
    slots, _ = await validate(
        domain,
        text="haan",
        intent="affirm",
        slots=given,
        candidates={"confirmed": True},
        form_active=True,
    )

    assert slots["confirmed"] is True
    assert slots["requested_slot"] is None


async def test_kerosene_goes_to_the_state_department(domain: dict) -> None:
    slots, _ = await validate(
        domain, slots={"priority": "normal"}, candidates={"category": "kerosene"}
    )

    assert slots["company"] == "STATE_PDS"


async def test_outlet_question_depends_on_the_family(domain: dict) -> None:
    asked = {}
    for category in ("pump_quality", "kerosene", "cng_station"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots={"category": category})
        await AskOutletDetails().run(dispatcher, tracker, domain)
        asked[category] = responses(dispatcher)

    assert asked == {
        "pump_quality": ["utter_ask_outlet_details_pump"],
        "kerosene": ["utter_ask_outlet_details_kerosene"],
        "cng_station": ["utter_ask_outlet_details_gas"],
    }


async def test_summary_in_the_citizens_language(domain: dict) -> None:
    slots = {
        **LPG,
        "full_name": "सुनीता देवी",
        "consumer_id": "45821",
        "location": "रोहतक",
        "language": "hi",
        "priority": "urgent",
    }
    dispatcher = CollectingDispatcher()

    await AskConfirmed().run(dispatcher, make_tracker(slots=slots), domain)

    text = dispatcher.messages[0]["summary"]
    assert "• नाम: सुनीता देवी" in text
    assert "• उपभोक्ता नंबर: 45821" in text
    assert "एलपीजी सिलेंडर की डिलीवरी नहीं हुई" in text
    assert "तत्काल" in text


def test_summary_stays_within_a_messenger_message() -> None:
    slots = {
        **LPG,
        "full_name": "N" * 120,
        "consumer_id": "71000000123456789",
        "location": "L" * 300,
        "service_agency": "S" * 200,
        "outlet_details": "O" * 1000,
        "description": "D" * 5000,
        "company": "IOCL",
    }

    assert len(summary(make_tracker(slots=slots))) < 1500


async def test_confirmation_is_not_repeated_while_choosing_an_edit(
    domain: dict,
) -> None:
    offered = {"event": "bot", "metadata": {"utter_action": "utter_ask_edit_field"}}
    noted = {"event": "bot", "metadata": {"utter_action": "utter_noted"}}
    choosing, corrected = CollectingDispatcher(), CollectingDispatcher()
    slots = {**LPG, "full_name": "A B"}

    await AskConfirmed().run(
        choosing, make_tracker(slots=slots, history=[offered]), domain
    )
    await AskConfirmed().run(
        corrected, make_tracker(slots=slots, history=[offered, noted]), domain
    )

    assert choosing.messages == []
    assert responses(corrected) == ["utter_ask_confirmed"]


async def test_no_number_for_a_new_connection_goes_on_at_once(domain: dict) -> None:
    slots, said = await validate(
        domain,
        text="abhi consumer number nahi hai, naya connection hai",
        intent="no_consumer_id",
        slots={
            "category": "lpg_new_connection",
            "description": "Ujjwala connection nahi mila",
            "full_name": "Savitri Bai",
            "requested_slot": "consumer_id",
        },
        candidates={"skip_requested": True},
        form_active=True,
    )

    assert slots["skipped_fields"] == ["consumer_id"]
    assert slots["requested_slot"] == "location"
    assert said == ["utter_skipped_field"]


@pytest.mark.parametrize(
    ("slot", "text", "entity_part", "expected"),
    [
        ("location", "Sector 14, Hisar, Haryana 125001", "Haryana 125001", None),
        ("full_name", "मीना गुप्ता", "गुप्ता", None),
        ("service_agency", "Shree Ganesh Gas, Indane", "Indane", None),
        ("full_name", "Vikram Singh", "Vikram Singh", None),
    ],
)
async def test_the_whole_answer_beats_the_part_an_entity_took(
    domain: dict, slot: str, text: str, entity_part: str, expected: str | None
) -> None:
    given = {
        **LPG,
        "full_name": "A B",
        "consumer_id": "45821",
        "location": "Pune",
        "requested_slot": slot,
    }
    given[slot] = None
    slots, _ = await validate(
        domain,
        text=text,
        slots=given,
        candidates={slot: entity_part},
        form_active=True,
    )

    assert slots[slot] == (expected or text)


async def test_a_company_name_alone_is_not_an_agency(domain: dict) -> None:
    slots, _ = await validate(
        domain,
        text="My Indane cylinder was booked 6 days ago",
        intent="complain_lpg_delivery",
        slots={**LPG},
        candidates={"service_agency": "Indane"},
    )

    assert slots["service_agency"] is None
    assert slots["company"] == "IOCL"


# A pump complaint whose outlet question was just asked.
ASKING_OUTLET = {
    "category": "pump_short_delivery",
    "description": "kam petrol",
    "full_name": "Vikram Singh",
    "location": "Jaipur",
    "requested_slot": "outlet_details",
}


async def test_a_long_story_read_as_a_correction_changes_no_field(
    domain: dict,
) -> None:
    story = "Mere padosi Verma ji ke saath bhi yahi hua. " * 10
    slots, said = await validate(
        domain,
        text=story,
        intent="correct",
        slots=ASKING_OUTLET,
        candidates={"full_name": "Verma"},
        form_active=True,
    )

    assert slots["full_name"] == "Vikram Singh"
    assert slots["description"].startswith("kam petrol\nMere padosi")
    assert slots["requested_slot"] == "outlet_details"
    assert said == ["utter_extra_detail_noted"]


def test_a_message_is_told_from_a_return_after_a_side_question() -> None:
    from actions.tracking import form_is_running

    answering = make_tracker(text="Rohtak", form_active=True)
    after_faq = make_tracker(
        text="emergency number?",
        intent="faq_emergency_number",
        form_active=True,
        history=[],
        latest_action="action_answer_faq",
    )
    after_faq.events.append({"event": "action", "name": "complaint_form"})
    not_active = make_tracker(text="Rohtak")

    assert form_is_running(answering)
    assert not form_is_running(after_faq)
    assert not form_is_running(not_active)


async def test_a_long_story_that_answers_nothing_is_kept(domain: dict) -> None:
    """Case C06 when the NLU reads the story as something else."""
    story = "Pump pe har baar gadbad hoti hai, meter zero nahi hota. " * 20
    slots, said = await validate(
        domain,
        text=story,
        intent="goodbye",
        slots=ASKING_OUTLET,
        form_active=True,
    )

    assert slots["description"].startswith("kam petrol\nPump pe har baar")
    assert slots["requested_slot"] == "outlet_details"
    assert said == ["utter_extra_detail_noted"]


async def test_a_long_story_is_kept_even_when_an_entity_answered(domain: dict) -> None:
    story = "Main Sikar road wale BPCL pump ki baat kar raha hoon. " * 40
    slots, said = await validate(
        domain,
        text=story,
        slots=ASKING_OUTLET,
        candidates={"outlet_details": "Sikar road wale BPCL pump"},
        form_active=True,
    )

    assert slots["outlet_details"] is None
    assert slots["description"].startswith("kam petrol\nMain Sikar road")
    assert said == ["utter_invalid_too_long"]


PUMP = {
    "category": "pump_short_delivery",
    "description": "The petrol pump gave me less fuel",
    "priority": "normal",
}


def entity(name: str, text: str, part: str) -> dict[str, Any]:
    start = text.index(part)
    return {"entity": name, "value": part, "start": start, "end": start + len(part)}


@pytest.mark.parametrize(
    ("text", "stray"),
    [
        ("Pooja Mehra", [("location", "Mehra"), ("outlet", "Pooja Mehra")]),
        ("पूजा मेहरा", [("location", "मेहरा")]),
        ("mera naam Pooja Mehra hai", [("location", "Pooja Mehra")]),
    ],
)
async def test_a_bare_name_fills_no_place_or_outlet(
    domain: dict, text: str, stray: list[tuple[str, str]]
) -> None:
    """The answer to the name question is the name; an entity the NLU also found in
    it (a surname read as a place) fills nothing else, and the place comes next."""
    name = text.replace("mera naam ", "").replace(" hai", "")
    slot_of = {"location": "location", "outlet": "outlet_details"}
    slots, _ = await validate(
        domain,
        text=text,
        entities=[entity("person_name", text, name)]
        + [entity(kind, text, part) for kind, part in stray],
        slots={**PUMP, "requested_slot": "full_name"},
        candidates={"full_name": name} | {slot_of[kind]: part for kind, part in stray},
        form_active=True,
    )

    assert slots["full_name"] == name
    assert slots.get("location") is None
    assert slots.get("outlet_details") is None
    assert slots["requested_slot"] == "location"


async def test_a_place_answer_does_not_become_the_name(domain: dict) -> None:
    text = "Model Town, Rohtak"
    slots, _ = await validate(
        domain,
        text=text,
        entities=[
            entity("location", text, text),
            entity("person_name", text, "Model Town"),
        ],
        slots={**PUMP, "requested_slot": "location"},
        candidates={"location": text, "full_name": "Model Town"},
        form_active=True,
    )

    assert slots["location"] == text
    assert slots.get("full_name") is None
    assert slots["requested_slot"] == "full_name"


async def test_a_place_beside_the_name_still_fills_the_place(domain: dict) -> None:
    """Case C03 inside the form: words outside the asked answer fill their field."""
    text = "Pooja Mehra, Rohtak"
    slots, _ = await validate(
        domain,
        text=text,
        entities=[
            entity("person_name", text, "Pooja Mehra"),
            entity("location", text, "Rohtak"),
        ],
        slots={**PUMP, "requested_slot": "full_name"},
        candidates={"full_name": "Pooja Mehra", "location": "Rohtak"},
        form_active=True,
    )

    assert slots["full_name"] == "Pooja Mehra"
    assert slots["location"] == "Rohtak"
    assert slots["requested_slot"] == "outlet_details"


async def test_a_name_correction_changes_only_the_name(domain: dict) -> None:
    text = "sorry, my name is Pooja Malhotra"
    slots, _ = await validate(
        domain,
        text=text,
        intent="correct",
        entities=[entity("person_name", text, "Pooja Malhotra")],
        slots={**PUMP, "full_name": "Pooja Mehra", "requested_slot": "location"},
        candidates={"full_name": "Pooja Malhotra"},
        form_active=True,
    )

    assert slots["full_name"] == "Pooja Malhotra"
    assert slots.get("location") is None
    assert slots["requested_slot"] == "location"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Indane cylinder 5 din se nahi aaya", "lpg_delivery"),
        ("सिलेंडर की बुकिंग नहीं हो रही", "lpg_booking"),
        ("my gas agency is black-marketing cylinders", "lpg_distributor_conduct"),
    ],
)
async def test_plain_words_answer_the_category_question(
    domain: dict, text: str, category: str
) -> None:
    slots, _ = await validate(
        domain,
        text=text,
        intent="inform",
        slots={"priority": "normal", "requested_slot": "category"},
        form_active=True,
    )

    assert slots["category"] == category
    assert slots["requested_slot"] == "description"


@pytest.mark.parametrize("stray", ["The", "mera", "में", "the petrol pump"])
async def test_a_stray_word_from_the_opening_is_no_place(
    domain: dict, stray: str
) -> None:
    """ "The petrol pump gave me less fuel" once gave the place "The", so the form
    skipped the place question; a word like that is never a place or a name."""
    slots, said = await validate(
        domain,
        text="The petrol pump gave me less fuel, the meter did not start from zero",
        intent="complain_pump_short_delivery",
        slots=PUMP,
        candidates={"location": stray, "full_name": stray, "outlet_details": stray},
        latest_action="action_start_complaint",
    )

    assert slots["location"] is None
    assert slots["full_name"] is None
    assert slots["outlet_details"] is None
    assert slots["requested_slot"] == "full_name"
    assert said == []
