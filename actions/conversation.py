"""The conversation around the form: starting and cancelling a complaint, the
emergency script, FAQ answers, "why do you need this?", abuse and corrections."""

from __future__ import annotations

import logging
from typing import Any

import regex

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import complaint, cues, fields, lexicon
from actions.catalog import company_in_text, helplines
from actions.handoff import NotUnderstood, request_handoff
from actions.submit import cleared_complaint_slots, new_key
from actions.tracking import (
    FORM,
    entity_values,
    latest_intent,
    latest_text,
)

logger = logging.getLogger(__name__)

# Slots an entity in the message that starts a complaint may already have filled.
_ENTITY_FILLED = (
    "full_name",
    "consumer_id",
    "location",
    "service_agency",
    "outlet_details",
    "company",
    "category",
)
# Below the NLU's fallback threshold, the likeliest reading still counts when it is at
# least this sure: an emergency (safety first), or a complaint.
UNCLEAR_EMERGENCY_CONFIDENCE = 0.2
UNCLEAR_COMPLAINT_CONFIDENCE = 0.3
# An "inform" message this long is a story, kept as the description.
_STORY_WORDS = 6
FAQ_RESPONSES = {
    "faq_emergency_number": "utter_faq_emergency_number",
    "faq_lpg_id": "utter_faq_lpg_id",
    "faq_helpline": "utter_faq_helpline",
    "faq_booking": "utter_faq_booking",
    "faq_documents": "utter_faq_documents",
    "faq_transfer": "utter_faq_transfer",
}
WHY_RESPONSES = {
    "full_name": "utter_why_full_name",
    "consumer_id": "utter_why_consumer_id",
    "location": "utter_why_location",
    "service_agency": "utter_why_service_agency",
    "outlet_details": "utter_why_outlet_details",
}
# Words that say a correction is about the name ("my name is", "mera naam", "नाम").
_NAME_WORDS = regex.compile(
    r"(?<![\p{L}\p{M}])(?:name|naam|nam|नाम)(?![\p{L}\p{M}])", regex.IGNORECASE
)
# Entities that show an abusive message still carries a grievance worth an officer.
_GRIEVANCE_ENTITIES = ("brand", "consumer_id", "location", "service_agency", "outlet")
_GRIEVANCE_WORDS = 12


def slots_set_by_latest_message(tracker: Tracker) -> dict[str, Any]:
    """Slot values set since the citizen's latest message (entity mappings)."""
    last_user = max(
        (i for i, event in enumerate(tracker.events) if event.get("event") == "user"),
        default=None,
    )
    if last_user is None:
        return {}
    return {
        event["name"]: event.get("value")
        for event in tracker.events[last_user + 1 :]
        if event.get("event") == "slot"
    }


def _description_from(text: str | None) -> str | None:
    if not text:
        return None
    check = fields.check_description(text)
    if not check.ok or check.value is None:
        return None
    if fields.sensitive_kind(check.value):
        return fields.mask_numbers(check.value)
    return check.value


def start_complaint_events(
    tracker: Tracker, intent: str | None, rank: bool = True
) -> list[EventType]:
    """A new complaint: the last one's fields cleared (name and language kept), what
    this very message gave kept, the category from the intent."""
    text = latest_text(tracker)
    given = slots_set_by_latest_message(tracker)
    # "Yes, file it" (or a complaint) right after the emergency offer.
    emergency_follow_up = bool(tracker.get_slot("emergency_offered"))

    values: dict[str, Any] = {
        name: given[name] for name in _ENTITY_FILLED if given.get(name) is not None
    }
    category = (
        complaint.category_from_intent(intent)
        or values.get("category")
        or (_category_from_cues(text, intent) if rank else None)
        or (_category_from_ranking(tracker) if rank else None)
    )
    if intent == "no_consumer_id":
        category = "lpg_new_connection"
    if emergency_follow_up and not category:
        category = "other"
    values["category"] = category

    if emergency_follow_up:
        values["description"] = tracker.get_slot("description")
        values["priority"] = "urgent"
    elif complaint.category_from_intent(intent) or (
        intent in ("inform", "file_complaint") and len(text.split()) >= _STORY_WORDS
    ):
        values["description"] = _description_from(text)
    if not values.get("priority"):
        values["priority"] = "normal"

    if category == complaint.KEROSENE:
        values["company"] = complaint.KEROSENE_COMPANY
    if not values.get("company"):
        values["company"] = company_in_text(values.get("description"))
    values["idempotency_key"] = new_key()

    logger.info("conversation %s: complaint started (%s)", tracker.sender_id, category)
    events = cleared_complaint_slots() + [SlotSet("emergency_offered", None)]
    events += [
        SlotSet(name, value) for name, value in values.items() if value is not None
    ]
    return events


# A complaint reading this sure, even if not the top one, names the category of a
# message read as details or a bare "I want to complain".
RANKED_CATEGORY_CONFIDENCE = 0.2


def _category_from_cues(text: str, intent: str | None) -> str | None:
    """A message read as details (or a bare "I want to complain") that still says
    plainly what went wrong: the complaint, not just the details (actions/cues.py)."""
    if intent not in ("inform", "file_complaint", "nlu_fallback"):
        return None
    return cues.category_from_cues(text)


def _category_from_ranking(tracker: Tracker) -> str | None:
    for entry in tracker.latest_message.get("intent_ranking") or []:
        category = complaint.category_from_intent(str(entry.get("name") or ""))
        if category and float(entry.get("confidence") or 0) >= (
            RANKED_CATEGORY_CONFIDENCE
        ):
            return category
    return None


class StartComplaint(Action):
    """Opens a new complaint (see start_complaint_events)."""

    def name(self) -> str:
        return "action_start_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = start_complaint_events(tracker, latest_intent(tracker))
        if lexicon.mentions_emergency(latest_text(tracker)):
            # Emergency words the NLU missed: the safety steps still come first.
            dispatcher.utter_message(
                response="utter_emergency_safety", emergency=helplines()["emergency"]
            )
            events.append(SlotSet("priority", "urgent"))
        return events


class CancelComplaint(Action):
    def name(self) -> str:
        return "action_cancel_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop.get("name") == FORM:
            dispatcher.utter_message(response="utter_cancelled")
            logger.info("conversation %s: complaint cancelled", tracker.sender_id)
        else:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
        return [ActiveLoop(None)] + cleared_complaint_slots()


def emergency_events(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """The safety steps and 1906 first; then, outside a form, an offer to file."""
    number = helplines()["emergency"]
    dispatcher.utter_message(response="utter_emergency_safety", emergency=number)
    logger.warning("conversation %s: emergency reported", tracker.sender_id)

    if tracker.active_loop.get("name") == FORM:
        return [SlotSet("priority", "urgent")]

    dispatcher.utter_message(response="utter_emergency_offer")
    return [
        SlotSet("emergency_offered", True),
        SlotSet("priority", "urgent"),
        SlotSet("description", _description_from(latest_text(tracker))),
    ]


class Emergency(Action):
    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return emergency_events(dispatcher, tracker)


class HandleUnclear(Action):
    """A message the NLU was not sure about (nlu_fallback), outside the form.

    Safety first: if an emergency is the likeliest reading, the safety steps go out
    anyway. If the likeliest readings are all complaints, the complaint starts (the
    form asks the category when it is not clear). Otherwise the bot says it did not
    understand (and hands a second one in a row to an officer: NotUnderstood).
    """

    def name(self) -> str:
        return "action_handle_unclear"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ranking = [
            entry
            for entry in tracker.latest_message.get("intent_ranking") or []
            if entry.get("name") != "nlu_fallback"
        ]
        top = ranking[0] if ranking else {}
        name = str(top.get("name") or "")
        confidence = float(top.get("confidence") or 0.0)

        urgent = name == "emergency" and confidence >= UNCLEAR_EMERGENCY_CONFIDENCE
        if urgent or lexicon.mentions_emergency(latest_text(tracker)):
            return emergency_events(dispatcher, tracker)
        if entity_values(tracker, "reference"):
            return [FollowupAction("action_complaint_status")]  # a reference: status
        if _is_complaint(name) and confidence >= UNCLEAR_COMPLAINT_CONFIDENCE:
            runner_up = str(ranking[1].get("name") or "") if len(ranking) > 1 else ""
            intent = _common(name, runner_up) if _is_complaint(runner_up) else name
            logger.info(
                "conversation %s: unclear message read as a complaint",
                tracker.sender_id,
            )
            # Two complaint readings that disagree leave the category to ask.
            events = start_complaint_events(
                tracker, intent, rank=intent != "file_complaint"
            )
            return events + [FollowupAction(FORM)]
        return await NotUnderstood().run(dispatcher, tracker, domain)


def _is_complaint(intent: str) -> bool:
    """A reading that starts a complaint (details alone do too, see data/rules.yml)."""
    return intent in ("file_complaint", "inform") or intent.startswith(
        complaint.COMPLAINT_INTENT_PREFIX
    )


def _common(first: str, second: str) -> str:
    """Two complaint readings: the category only when both agree on it."""
    if first in ("file_complaint", "inform"):
        return second if second.startswith(complaint.COMPLAINT_INTENT_PREFIX) else first
    if second in ("file_complaint", "inform"):
        return first
    return "file_complaint"


class StaySafe(Action):
    """The citizen declined to file after an emergency."""

    def name(self) -> str:
        return "action_stay_safe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_stay_safe", emergency=helplines()["emergency"]
        )
        return [
            SlotSet("emergency_offered", None),
            SlotSet("priority", None),
            SlotSet("description", None),
        ]


class AnswerFaq(Action):
    """FAQ answers with the numbers of catalog/helplines.yml."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        response = FAQ_RESPONSES.get(latest_intent(tracker) or "")
        if response is None:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        dispatcher.utter_message(response=response, **helplines())
        return []


class ExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        dispatcher.utter_message(
            response=WHY_RESPONSES.get(requested or "", "utter_why_general")
        )
        return []


class HandleAbuse(Action):
    """Venting with details goes to an officer; venting alone gets a calm reply."""

    def name(self) -> str:
        return "action_handle_abuse"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        has_details = any(entity_values(tracker, name) for name in _GRIEVANCE_ENTITIES)
        if has_details or len(latest_text(tracker).split()) >= _GRIEVANCE_WORDS:
            if not tracker.get_slot("description"):
                description = _description_from(latest_text(tracker))
                tracker.slots["description"] = description
            return await request_handoff(dispatcher, tracker, "abusive_grievance")
        dispatcher.utter_message(response="utter_abuse_calm")
        return []


class OfferEdit(Action):
    """A correction the NLU found no value in: "my name is ..." still changes the
    name; otherwise the bot asks which field to change."""

    def name(self) -> str:
        return "action_offer_edit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if _NAME_WORDS.search(text):
            check = fields.check_name(text)
            if check.ok:
                dispatcher.utter_message(response="utter_noted")
                logger.info("conversation %s: name corrected", tracker.sender_id)
                return [SlotSet("full_name", check.value)]
        dispatcher.utter_message(response="utter_ask_edit_field")
        return []


class NoteExtraDetail(Action):
    """More of the story while the form asks something else: add it to the
    description instead of losing it."""

    def name(self) -> str:
        return "action_note_extra_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if not text or fields.has_url(text) and not fields.without_urls(text).strip():
            return []
        if fields.sensitive_kind(text):
            dispatcher.utter_message(response="utter_sensitive_warning")
            text = fields.mask_numbers(text)
        description, cut = fields.append_description(
            tracker.get_slot("description"), text
        )
        dispatcher.utter_message(response="utter_extra_detail_noted")
        if cut:
            dispatcher.utter_message(
                response="utter_description_cut", limit=fields.DESCRIPTION_MAX
            )
        return [SlotSet("description", description)]
