"""The domain, rules and actions agree: every reply in three languages, every action
the domain lists is served by the action server, every reply an action sends exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from action_helpers import make_tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.form import ValidateComplaintForm
from actions.language import ValidateSlotMappings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE_VALUES = ["hi", "hi-Latn", "en", None]


def test_every_reply_has_hindi_hinglish_english_and_a_default(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        languages = [
            (variation.get("condition") or [{}])[0].get("value")
            for variation in variations
        ]
        assert languages == LANGUAGE_VALUES, name
        default, english = variations[3], variations[2]
        assert default["text"] == english["text"], name
        assert default.get("buttons") == english.get("buttons"), name


def test_variations_use_the_same_variables_and_buttons(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        names = [set(re.findall(r"{(\w+)}", v["text"])) for v in variations]
        assert all(n == names[0] for n in names), name
        payloads = [[b["payload"] for b in v.get("buttons", [])] for v in variations]
        assert all(p == payloads[0] for p in payloads), name


def test_hindi_replies_are_in_devanagari_and_hinglish_in_latin(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        hindi, hinglish = variations[0]["text"], variations[1]["text"]
        assert re.search(r"[\u0900-\u097F]", hindi), name
        assert not re.search(r"[\u0900-\u097F]", hinglish), name


def test_replies_fit_a_messenger_message(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        for variation in variations:
            assert len(variation["text"]) < 1000, name
            assert len(variation.get("buttons", [])) <= 13, name


def domain_actions() -> dict[str, dict]:
    """The domain's actions by name, with their settings (`send_domain`)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    actions: dict[str, dict] = {}
    for entry in domain["actions"]:
        if isinstance(entry, dict):
            actions.update({name: config or {} for name, config in entry.items()})
        else:
            actions[entry] = {}
    return actions


def served_actions() -> dict:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def test_every_domain_action_is_served() -> None:
    served = served_actions()
    for action in domain_actions():
        assert action in served, action


def test_every_action_that_reads_the_domain_is_sent_it() -> None:
    # endpoints.yml sends the domain only to the actions marked send_domain.
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True
    readers = {"action_validate_slot_mappings", "validate_complaint_form"}
    sent = {
        name for name, config in domain_actions().items() if config.get("send_domain")
    }
    assert readers <= set(domain_actions())
    # Rasa's validation actions read the slots' mappings from the domain; ours name
    # their slots themselves, and behave the same without it (below).
    assert not sent & readers


VALIDATION_CASES = [
    dict(
        text="मेरा सिलेंडर नहीं आया",
        intent="complain_lpg_delivery",
        parse_extra={"language": "hi", "language_confidence": 0.97},
    ),
    dict(text="ok", intent="affirm", slots={"emergency_offered": True}),
    dict(text="what is 1906", intent="faq_emergency_number", slots={"emergency_offered": True}),
    dict(
        text="Sunita Devi",
        slots={"category": "lpg_delivery", "description": "d", "requested_slot": "full_name"},
        candidates={"full_name": "Sunita Devi"},
        form_active=True,
    ),
    dict(
        text="12",
        slots={"category": "lpg_delivery", "description": "d", "full_name": "Sunita",
               "requested_slot": "consumer_id"},
        candidates={"consumer_id": "12"},
        form_active=True,
    ),
    dict(
        text="Rohtak",
        slots={"category": "pump_quality", "description": "d", "full_name": "Ravi",
               "requested_slot": "location"},
        candidates={"location": "Rohtak"},
        form_active=True,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", VALIDATION_CASES)
async def test_validation_actions_need_no_domain(domain: dict, case: dict) -> None:
    for action in (ValidateSlotMappings(), ValidateComplaintForm()):
        outcomes = []
        for given in (domain, {}):
            dispatcher = CollectingDispatcher()
            events = await action.run(dispatcher, make_tracker(**case), given)
            outcomes.append((events, dispatcher.messages))
        assert outcomes[0] == outcomes[1], action.name()


def test_every_reply_an_action_sends_exists(domain: dict) -> None:
    sent: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        sent |= set(re.findall(r'"(utter_\w+)"', path.read_text(encoding="utf-8")))

    sent.discard("utter_action")  # the key Rasa stores a reply's name under
    assert sent, "no replies found in actions/"
    assert sent <= set(domain["responses"]), sent - set(domain["responses"])


def test_rules_and_stories_use_only_what_the_domain_has(domain: dict) -> None:
    known_actions = (
        set(domain_actions())
        | set(domain["responses"])
        | set(domain["forms"])
        | {"action_listen", "action_default_fallback"}
    )
    known_intents = set(domain["intents"]) | {"nlu_fallback"}
    for name in ("data/rules.yml", "data/stories.yml"):
        data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        for block in data.get("rules", []) + data.get("stories", []):
            for step in block["steps"]:
                if "action" in step:
                    assert step["action"] in known_actions, step
                for option in step.get("or", []) + [step]:
                    if "intent" in option:
                        assert option["intent"] in known_intents, option


@pytest.mark.parametrize("intent", ["cancel", "request_human", "emergency", "correct"])
def test_free_text_answers_never_swallow_commands(domain: dict, intent: str) -> None:
    """Case C01/C02: a command is never taken as the answer to a question."""
    for name, slot in domain["slots"].items():
        for mapping in slot["mappings"]:
            if mapping["type"] == "from_text":
                assert intent in mapping.get("not_intent", []), name
                assert mapping["conditions"][0]["active_loop"] == "complaint_form"
                assert mapping["conditions"][0]["requested_slot"] == name


def test_every_reply_is_used_by_a_rule_a_story_or_an_action(domain: dict) -> None:
    used: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_\w+)"', path.read_text(encoding="utf-8")))
    for name in ("data/rules.yml", "data/stories.yml"):
        used |= set(re.findall(r"action: (utter_\w+)", (ROOT / name).read_text()))
    # Rasa sends utter_default itself (action_default_fallback); the form's
    # questions are named after their slot (actions/form.py AskField).
    used.add("utter_default")
    used |= {
        f"utter_ask_{slot}"
        for slot in domain["forms"]["complaint_form"]["required_slots"]
    }

    assert set(domain["responses"]) - used == set()


def test_emergency_cancel_and_officer_fill_no_slot_inside_the_form(
    domain: dict,
) -> None:
    """A leak reported with a place in it still gets the safety steps first."""
    ignored = domain["forms"]["complaint_form"]["ignored_intents"]

    assert {"emergency", "cancel", "request_human"} <= set(ignored)


async def test_rasa_fills_nothing_from_an_emergency_inside_the_form() -> None:
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_domain = Domain.load(str(ROOT / "domain.yml"))
    entities = [{"entity": "location", "value": "Rohtak", "start": 20, "end": 26}]

    def tracker_after(intent: str) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(
            "citizen-1",
            [
                ActionExecuted("complaint_form"),
                ActiveLoop("complaint_form"),
                SlotSet("requested_slot", "full_name"),
                ActionExecuted("action_listen"),
                UserUttered(
                    "gas leak ho raha hai Rohtak mein",
                    {"name": intent, "confidence": 0.95},
                    entities,
                ),
            ],
            slots=rasa_domain.slots,
        )

    async def extracted(intent: str) -> dict:
        action = ActionExtractSlots(None)
        events = await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(rasa_domain.responses),
            tracker_after(intent),
            rasa_domain,
        )
        return {e.key: e.value for e in events if isinstance(e, SlotSet)}

    assert await extracted("emergency") == {}
    assert await extracted("inform") == {
        "location": "Rohtak",
        "full_name": "gas leak ho raha hai Rohtak mein",
    }


def test_quick_reply_payloads_survive_rasa_interpolation(domain: dict) -> None:
    """Rasa fills {placeholders} in buttons too: a payload's JSON braces are doubled
    so that it comes out intact and nothing is logged (with slot values) on the way."""
    from rasa.core.nlg.interpolator import interpolate_text

    values = {"full_name": "Sunita Devi", "language": "hi"}
    for name, variations in domain["responses"].items():
        for variation in variations:
            for button in variation.get("buttons", []):
                payload = interpolate_text(button["payload"], values)
                assert "{{" not in payload and "0[" not in payload, (name, payload)
                if "{" in payload:
                    body = payload[payload.index("{") :]
                    assert yaml.safe_load(body), (name, payload)
