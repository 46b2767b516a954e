"""Complaint cues: a message read as details that says plainly what went wrong is
the complaint (case C03), in English, Hindi and Hinglish; unclear words are not."""

from __future__ import annotations

import pytest
from action_helpers import make_tracker, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import StartComplaint
from actions.cues import alleges_corruption, category_from_cues

C03 = (
    "Main Sunita Devi, Indane consumer no 71000000123456789, mobile 9800000000, "
    "Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki."
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (C03, "lpg_delivery"),
        (
            "I am Meena Sharma, Indane consumer no 71000000112233445, from Ambala. "
            "Om Sai Gas has not delivered my cylinder",
            "lpg_delivery",
        ),
        ("my name is Ravi, Rewari, the refill didn't come", "lpg_delivery"),
        (
            "मैं सुनीता देवी, उपभोक्ता संख्या 71000000123456789, रोहतक से, "
            "श्री गणेश गैस ने सिलेंडर नहीं दिया",
            "lpg_delivery",
        ),
        ("मैं कमला देवी, हिसार से, सिलेंडर अभी तक नहीं आया", "lpg_delivery"),
        ("Sunita Devi, Rohtak, gas booking nahi ho rahi", "lpg_booking"),
        ("Rohtak se hoon, indane consumer 4521, subsidy nahi mili", "lpg_subsidy"),
        ("Sunita, Rohtak, Shree Ganesh Gas ne extra paise liye", "lpg_overcharge"),
        ("रमेश, करनाल, एजेंसी वाले ज़्यादा पैसे मांगते हैं", "lpg_overcharge"),
        (
            "Main Sunita, Rohtak, agency cylinder black mein bech rahi hai",
            ("lpg_distributor_conduct"),
        ),
        ("एजेंसी कालाबाज़ारी कर रही है, मैं रोहतक से", "lpg_distributor_conduct"),
        ("the pump attendant asked me for a bribe, Sector 5 Hisar", "pump_staff"),
        ("Rohtak ke ration shop pe kerosene nahi mila", "kerosene"),
    ],
)
def test_plain_complaint_words_give_the_category(text: str, category: str) -> None:
    assert category_from_cues(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "Pooja Mehra",
        "Rohtak",
        "Main Sunita Devi, Rohtak se hoon, Shree Ganesh Gas",
        "PNG gas connection nahi mila",  # city gas, not LPG
        "cylinder aur petrol pump dono ki dikkat, kuch nahi mila",  # two contexts
        "petrol pump pe paani ghus gaya petrol mein",  # a pump: the NLU decides
        "",
        None,
    ],
)
def test_no_category_without_a_plain_cue(text: str | None) -> None:
    assert category_from_cues(text) is None


@pytest.mark.parametrize(
    ("text", "alleged"),
    [
        ("distributor ne 200 rupaye rishwat maangi", True),
        ("the delivery man wanted a bribe of 100 rupees", True),
        ("they are black-marketing cylinders to hotels", True),
        ("agency cylinder black mein bech rahi hai", True),
        ("एजेंसी वाले घूस मांगते हैं", True),
        ("डिस्ट्रीब्यूटर सिलेंडर की कालाबाजारी करता है", True),
        ("kala bazari ho rahi hai", True),
        ("petrol mein paani ghus gaya", False),
        ("black smoke from the cylinder pipe", False),
        ("मेरा सिलेंडर नहीं आया", False),
    ],
)
def test_allegations_of_bribery_or_black_marketing(text: str, alleged: bool) -> None:
    assert alleges_corruption(text) is alleged


async def test_a_many_field_complaint_read_as_details_is_the_complaint(
    domain: dict,
) -> None:
    """Case C03 when the NLU reads the opening as `inform`: the category comes from
    the words, every field the message gave is kept, the mobile is not the ID."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text=C03,
        intent="inform",
        candidates={
            "full_name": "Sunita Devi",
            "consumer_id": "71000000123456789",
            "location": "Rohtak",
            "service_agency": "Shree Ganesh Gas",
            "company": "IOCL",
        },
    )
    slots = slot_events(await StartComplaint().run(dispatcher, tracker, domain))

    assert slots["category"] == "lpg_delivery"
    assert slots["full_name"] == "Sunita Devi"
    assert slots["consumer_id"] == "71000000123456789"
    assert slots["location"] == "Rohtak"
    assert slots["service_agency"] == "Shree Ganesh Gas"
    assert slots["company"] == "IOCL"
    assert "9800000000" not in str(slots["consumer_id"])


async def test_details_alone_still_leave_the_category_to_ask(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="Main Sunita Devi, Rohtak se hoon",
        intent="inform",
        candidates={"full_name": "Sunita Devi", "location": "Rohtak"},
    )
    slots = slot_events(await StartComplaint().run(dispatcher, tracker, domain))

    assert slots["category"] is None
    assert slots["full_name"] == "Sunita Devi"
