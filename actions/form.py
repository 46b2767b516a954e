"""The complaint form: which fields to ask, checking each answer, and the questions.

`validate_complaint_form` decides the questions from the category (actions/complaint.py),
checks every value that arrived (answer to the question, or a distinctive entity in any
message), counts failed answers per field and, after three, offers help instead of the
same question. The `action_ask_<field>` actions ask each question in the citizen's
language, with the help text when it is due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import complaint, cues, fields, lexicon
from actions.catalog import (
    company_for,
    company_in_text,
    company_in_text_remainder,
    helplines,
)
from actions.texts import (
    CATEGORY_LABELS,
    FIELD_LABELS,
    PRIORITY_URGENT,
    label,
)
from actions.tracking import (
    entity_values,
    form_is_running,
    language,
    last_bot_reply,
    latest_intent,
    latest_text,
    value_before_latest_message,
)

logger = logging.getLogger(__name__)

REQUESTED_SLOT = "requested_slot"
MAX_FAILURES = 3
INTERNAL_SLOTS = ["skip_requested", "edit_field"]
# A message this long is a story, not a correction of one field.
STORY_LENGTH = 300
SUMMARY_PREVIEW = 300
# The entities that carry each answer field's value (docs/architecture.md).
ANSWER_ENTITIES = {
    "full_name": ("person_name",),
    "location": ("location", "pin_code"),
    "service_agency": ("service_agency",),
    "outlet_details": ("outlet",),
}
# Fields whose answer is the whole message when their question was asked.
ANSWER_FIELDS = tuple(ANSWER_ENTITIES)

# The hint shown after an answer that could not be used, by field and reason.
HINTS: dict[tuple[str, str], str] = {
    ("full_name", "not_name"): "utter_invalid_full_name",
    ("consumer_id", "phone"): "utter_invalid_consumer_id_phone",
    ("consumer_id", "length"): "utter_invalid_consumer_id_length",
    ("consumer_id", "not_number"): "utter_invalid_consumer_id_not_number",
    ("consumer_id", "several"): "utter_invalid_consumer_id_several",
    ("location", "pin_code"): "utter_invalid_pin_code",
    ("location", "not_place"): "utter_invalid_location",
    ("service_agency", "not_text"): "utter_invalid_service_agency",
    ("outlet_details", "not_text"): "utter_invalid_outlet_details",
    ("company", "unknown"): "utter_invalid_company",
    ("description", "not_text"): "utter_invalid_description",
}
GENERAL_HINTS = {
    "media": "utter_invalid_media",
    "too_long": "utter_invalid_too_long",
    "sensitive": "utter_sensitive_warning",
}


def failures(tracker: Tracker) -> dict[str, dict[str, Any]]:
    value = tracker.get_slot("validation_failures")
    return dict(value) if isinstance(value, dict) else {}


def failure_count(tracker: Tracker, slot: str) -> int:
    return int(failures(tracker).get(slot, {}).get("count", 0))


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The questions for this category, then every other field a message may fill
        (so that it is checked too) and the bookkeeping slots."""
        asked = complaint.fields_to_ask(tracker.slots)
        others = [name for name in complaint.EDITABLE_FIELDS if name not in asked]
        return asked + others + INTERNAL_SLOTS

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        asked = complaint.fields_to_ask(tracker.slots)
        if tracker.slots.get("confirmed") is False:
            return SlotSet(REQUESTED_SLOT, None)  # "no" at the confirmation
        missing = next(
            (name for name in asked if tracker.slots.get(name) is None), None
        )
        return SlotSet(REQUESTED_SLOT, missing)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Cancel words and emergency words count whatever the NLU read them as."""
        if form_is_running(tracker):
            intent = latest_intent(tracker)
            text = latest_text(tracker)
            if intent != "cancel" and lexicon.is_cancel(text):
                logger.info(
                    "conversation %s: cancelled by its words", tracker.sender_id
                )
                # The form ends unconfirmed: the submit action files nothing and says
                # so (actions/submit.py).
                return [SlotSet("confirmed", False), SlotSet(REQUESTED_SLOT, None)]
            if intent != "emergency" and lexicon.mentions_emergency(text):
                return self._emergency(dispatcher, tracker)
            requested = tracker.get_slot(REQUESTED_SLOT)
            answered = requested in tracker.slots_to_validate()
            if len(text) > STORY_LENGTH and (intent == "correct" or not answered):
                # A long story that answers nothing (or was read as a correction):
                # it goes to the description; the question is asked again.
                return self._story(dispatcher, tracker)
        return await super().run(dispatcher, tracker, domain)

    def _story(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        description, _cut = fields.append_description(
            value_before_latest_message(tracker, "description"), latest_text(tracker)
        )
        dispatcher.utter_message(response="utter_extra_detail_noted")
        return [
            SlotSet(name, value_before_latest_message(tracker, name))
            for name in tracker.slots_to_validate()
        ] + [
            SlotSet("description", description),
            SlotSet(REQUESTED_SLOT, tracker.get_slot(REQUESTED_SLOT)),
        ]

    def _emergency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """Safety steps first; the message joins the description, not the answer."""
        logger.warning(
            "conversation %s: emergency words inside the form", tracker.sender_id
        )
        dispatcher.utter_message(
            response="utter_emergency_safety", emergency=helplines()["emergency"]
        )
        description, _cut = fields.append_description(
            value_before_latest_message(tracker, "description"), latest_text(tracker)
        )
        requested = tracker.get_slot(REQUESTED_SLOT)
        events: list[EventType] = [
            SlotSet(name, value_before_latest_message(tracker, name))
            for name in tracker.slots_to_validate()
        ]
        return events + [
            SlotSet("priority", "urgent"),
            SlotSet("description", description),
            SlotSet(REQUESTED_SLOT, requested),
        ]

    # --- extraction -------------------------------------------------------------------

    async def extract_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no at the confirmation, in any of the three languages."""
        if tracker.get_slot(REQUESTED_SLOT) != "confirmed":
            return {}
        if latest_intent(tracker) in ("affirm", "deny", "correct"):
            return {}
        text = latest_text(tracker)
        if lexicon.is_yes(text):
            return {"confirmed": True}
        if lexicon.is_no(text):
            return {"confirmed": False}
        return {}

    async def extract_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A complaint intent answers the category question ("cylinder nahi aaya"),
        and so do plain complaint words in a message read as details."""
        if tracker.get_slot("category"):
            return {}
        intent = latest_intent(tracker)
        category = complaint.category_from_intent(intent)
        if category is None and intent in ("inform", "nlu_fallback"):
            category = cues.category_from_cues(latest_text(tracker))
        return {"category": category} if category else {}

    # --- validation -------------------------------------------------------------------

    def validate_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        if value not in complaint.CATEGORIES:
            return {"category": None}
        result: dict[str, Any] = {"category": value}
        if value == complaint.KEROSENE and not tracker.get_slot("company"):
            result["company"] = complaint.KEROSENE_COMPANY
        return result

    def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        def check(text: str) -> fields.Check:
            return fields.check_description(text)

        result = self._validate("description", value, check, dispatcher, tracker)
        description = result.get("description")
        if description and fields.sensitive_kind(description):
            dispatcher.utter_message(response="utter_sensitive_warning")
            result["description"] = fields.mask_numbers(description)
        return result

    def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        return self._validate(
            "full_name", value, fields.check_name, dispatcher, tracker
        )

    def validate_consumer_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        result = self._validate(
            "consumer_id", value, fields.check_consumer_id, dispatcher, tracker
        )
        if result.get("consumer_id"):
            result["skipped_fields"] = _without(tracker, "consumer_id")
        return result

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        result = self._validate(
            "location", value, fields.check_location, dispatcher, tracker
        )
        location = result.get("location")
        for pin in entity_values(tracker, "pin_code"):
            if location and pin not in location:
                combined = f"{location}, {pin}"
                if len(combined) <= fields.LOCATION_MAX:
                    result["location"] = location = combined
        return result

    def validate_service_agency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        if value is None:
            return {"service_agency": None}
        agency = self._whole_answer("service_agency", str(value), tracker)
        code = company_for(agency)
        if code and len(company_in_text_remainder(agency)) < 2:
            # Only a company's name ("Indane"): the company, not the agency.
            result: dict[str, Any] = {"service_agency": None}
            if not tracker.get_slot("company"):
                result["company"] = code
            return result
        check = answer_check("service_agency")
        result = self._validate("service_agency", agency, check, dispatcher, tracker)
        return self._with_company(result, result.get("service_agency"), tracker)

    def validate_outlet_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        check = answer_check("outlet_details")
        result = self._validate("outlet_details", value, check, dispatcher, tracker)
        outlet = result.get("outlet_details")
        if outlet and fields.sensitive_kind(outlet):
            dispatcher.utter_message(response="utter_sensitive_warning")
            result["outlet_details"] = outlet = fields.mask_numbers(outlet)
        return self._with_company(result, outlet, tracker)

    def validate_company(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        def check(text: str) -> fields.Check:
            code = company_for(text)
            return fields.Check(value=code) if code else fields.invalid("unknown")

        return self._validate("company", value, check, dispatcher, tracker)

    def validate_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        return {"confirmed": value if isinstance(value, bool) else None}

    def validate_skip_requested(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        """ "I have no consumer number" or "no" to an optional question."""
        result: dict[str, Any] = {"skip_requested": None}
        if not value:
            return result

        requested = tracker.get_slot(REQUESTED_SLOT)
        if latest_intent(tracker) == "no_consumer_id":
            field = "consumer_id"
        elif requested in complaint.OPTIONAL_FIELDS:
            field = requested
        else:
            return result

        new_connection = tracker.get_slot("category") == "lpg_new_connection"
        if field == "consumer_id" and requested == field and not new_connection:
            if failure_count(tracker, field) < MAX_FAILURES:
                # "No" or "I don't know it" to the question itself: first say where
                # it is printed, with "continue without it" as a quick reply.
                result["validation_failures"] = _set_failure(
                    tracker, field, "unknown", MAX_FAILURES
                )
                return result

        skipped = list(tracker.get_slot("skipped_fields") or [])
        if field not in skipped:
            skipped.append(field)
        result["skipped_fields"] = skipped
        result[field] = None
        dispatcher.utter_message(response="utter_skipped_field")
        logger.info("conversation %s: %s skipped", tracker.sender_id, field)
        return result

    def validate_edit_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        """A field chosen at the confirmation: clear it so that it is asked again."""
        result: dict[str, Any] = {"edit_field": None}
        if value not in complaint.EDITABLE_FIELDS:
            return result
        result[value] = None
        result["confirmed"] = None
        result["skipped_fields"] = _without(tracker, value)
        result["validation_failures"] = _cleared(tracker, value)
        return result

    # --- helpers ----------------------------------------------------------------------

    def _validate(
        self,
        slot: str,
        value: Any,
        check: Callable[[str], fields.Check],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        if value is None:
            return {slot: None}
        if isinstance(value, list):
            value = value[-1] if value else ""
        text = str(value)

        kept = self._kept_value(slot, tracker)
        if kept is not None:
            return {slot: kept}
        if self._part_of_another_answer(slot, tracker):
            logger.info(
                "conversation %s: %s not taken from the answer to %s",
                tracker.sender_id, slot, tracker.get_slot(REQUESTED_SLOT),
            )  # fmt: skip
            return {slot: None}
        text = self._whole_answer(slot, text, tracker)

        if slot != "description" and slot != "outlet_details":
            if fields.sensitive_kind(text):
                return self._failed(slot, "sensitive", {}, dispatcher, tracker)

        outcome = check(text)
        if outcome.ok:
            result: dict[str, Any] = {slot: outcome.value}
            if failures(tracker).get(slot):
                result["validation_failures"] = _cleared(tracker, slot)
            if outcome.details.get("cut"):
                dispatcher.utter_message(
                    response="utter_description_cut", limit=fields.DESCRIPTION_MAX
                )
            return result

        if outcome.reason == "too_long" and slot != "description":
            # The citizen told the whole story here: keep it as the description.
            description, _cut = fields.append_description(
                tracker.get_slot("description"), text
            )
            failed = self._failed(slot, "too_long", {}, dispatcher, tracker)
            failed["description"] = description
            return failed
        return self._failed(
            slot, outcome.reason or "invalid", outcome.details, dispatcher, tracker
        )

    def _whole_answer(self, slot: str, value: str, tracker: Tracker) -> str:
        """The citizen's whole answer to this field's question rather than the part
        an entity took from it ("Sector 14, Hisar" rather than "Hisar")."""
        if slot not in ANSWER_FIELDS or not form_is_running(tracker):
            return value
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            return value
        answer = latest_text(tracker)
        if answer and answer != value:
            outcome = answer_check(slot)(answer)
            # A long story that mentions the answer is kept whole: the too-long
            # path adds it to the description and asks for the short answer again.
            story = outcome.reason == "too_long" and len(answer) > STORY_LENGTH
            if outcome.ok or story:
                return answer
        return value

    def _part_of_another_answer(self, slot: str, tracker: Tracker) -> bool:
        """True when the words an entity gave this field belong to the answer to
        the question asked (a name, place, agency or outlet): one piece of text fills
        one field, so a bare name never becomes a place or an outlet."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if slot not in ANSWER_FIELDS or requested not in ANSWER_FIELDS:
            return False
        if requested == slot or not form_is_running(tracker):
            return False
        if latest_intent(tracker) == "correct":
            return False  # a correction names its own field

        text = latest_text(tracker)
        if answer_check(requested)(text).ok:
            return True  # the whole message is the answer to the question asked
        answer_spans = _entity_spans(tracker, ANSWER_ENTITIES[requested])
        own_spans = _entity_spans(tracker, ANSWER_ENTITIES[slot])
        return any(
            start < other_end and other_start < end
            for start, end in own_spans
            for other_start, other_end in answer_spans
        )

    def _kept_value(self, slot: str, tracker: Tracker) -> Any:
        """A value given earlier is only replaced by an answer to its own question or
        an explicit correction, never by a stray entity in another answer."""
        if not form_is_running(tracker):
            return None
        if tracker.get_slot(REQUESTED_SLOT) == slot:
            return None
        if latest_intent(tracker) == "correct":
            return None
        return value_before_latest_message(tracker, slot)

    def _failed(
        self,
        slot: str,
        reason: str,
        details: dict[str, str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        requested = tracker.get_slot(REQUESTED_SLOT) == slot
        count = failure_count(tracker, slot) + (1 if requested else 0)
        logger.info(
            "conversation %s: %s not accepted (%s), failure %d",
            tracker.sender_id, slot, reason, count,
        )  # fmt: skip
        if reason == "sensitive":
            dispatcher.utter_message(response=GENERAL_HINTS[reason])
        elif requested and count < MAX_FAILURES:
            # From the third failure on, the question itself offers help instead.
            hint = HINTS.get((slot, reason)) or GENERAL_HINTS.get(reason)
            if hint:
                dispatcher.utter_message(response=hint, **details)
        return {
            slot: None,
            "validation_failures": _set_failure(tracker, slot, reason, count),
        }

    def _with_company(
        self, result: dict[str, Any], text: str | None, tracker: Tracker
    ) -> dict[str, Any]:
        if text and not tracker.get_slot("company"):
            code = company_in_text(text)
            if code:
                result["company"] = code
        return result


def answer_check(slot: str) -> Callable[[str], fields.Check]:
    """The check of an answer field's whole answer."""
    if slot == "full_name":
        return fields.check_name
    if slot == "location":
        return fields.check_location
    limit = fields.SERVICE_AGENCY_MAX if slot == "service_agency" else fields.OUTLET_MAX
    return lambda text: fields.check_free_text(text, limit)


def _entity_spans(tracker: Tracker, names: tuple[str, ...]) -> list[tuple[int, int]]:
    return [
        (int(item["start"]), int(item["end"]))
        for item in tracker.latest_message.get("entities") or []
        if item.get("entity") in names
        and item.get("start") is not None
        and item.get("end") is not None
    ]


def _set_failure(
    tracker: Tracker, slot: str, reason: str, count: int
) -> dict[str, dict[str, Any]]:
    table = failures(tracker)
    table[slot] = {"count": count, "reason": reason}
    return table


def _cleared(tracker: Tracker, slot: str) -> dict[str, dict[str, Any]] | None:
    table = failures(tracker)
    table.pop(slot, None)
    return table or None


def _without(tracker: Tracker, field: str) -> list[str] | None:
    skipped = [
        name for name in tracker.get_slot("skipped_fields") or [] if name != field
    ]
    return skipped or None


# --- the questions --------------------------------------------------------------------


class AskField(Action):
    """Asks for one field; after three failed answers, offers help instead."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def question(self, tracker: Tracker) -> str:
        return f"utter_ask_{self.slot}"

    def help_response(self) -> str:
        if self.slot == "consumer_id":
            return "utter_help_consumer_id"
        if self.slot in complaint.OPTIONAL_FIELDS:
            return "utter_help_optional_field"
        return "utter_help_required_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if failure_count(tracker, self.slot) >= MAX_FAILURES:
            help_response = self.help_response()
            dispatcher.utter_message(response=help_response)
            if help_response == "utter_help_consumer_id":
                return []
            if help_response == "utter_help_optional_field":
                return []
        dispatcher.utter_message(response=self.question(tracker))
        return []


class AskCategory(AskField):
    slot = "category"


class AskDescription(AskField):
    slot = "description"


class AskFullName(AskField):
    slot = "full_name"


class AskConsumerId(AskField):
    slot = "consumer_id"


class AskLocation(AskField):
    slot = "location"


class AskServiceAgency(AskField):
    slot = "service_agency"


class AskOutletDetails(AskField):
    slot = "outlet_details"

    def question(self, tracker: Tracker) -> str:
        kind = complaint.family(tracker.get_slot("category"))
        if kind == complaint.PUMP:
            return "utter_ask_outlet_details_pump"
        if kind == complaint.KEROSENE:
            return "utter_ask_outlet_details_kerosene"
        return "utter_ask_outlet_details_gas"


class AskCompany(AskField):
    slot = "company"

    def question(self, tracker: Tracker) -> str:
        if complaint.family(tracker.get_slot("category")) == complaint.PUMP:
            return "utter_ask_company_pump"
        return "utter_ask_company_lpg"


class AskConfirmed(Action):
    """The summary of what will be filed, with yes / no / edit."""

    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if last_bot_reply(tracker) == "utter_ask_edit_field":
            return []  # the citizen is choosing what to change
        dispatcher.utter_message(
            response="utter_ask_confirmed", summary=summary(tracker)
        )
        return []


def _preview(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary(tracker: Tracker) -> str:
    """One line per field given, in the citizen's language."""
    lang = language(tracker)
    lines = []
    category = tracker.get_slot("category")
    if category:
        lines.append(
            f"• {label(FIELD_LABELS, 'category', lang)}: "
            f"{label(CATEGORY_LABELS, category, lang)}"
        )
    limits = {"outlet_details": 200, "description": SUMMARY_PREVIEW}
    for name in (
        "full_name",
        "consumer_id",
        "location",
        "service_agency",
        "outlet_details",
        "company",
        "description",
    ):
        value = tracker.get_slot(name)
        if value:
            text = _preview(str(value), limits.get(name, 300))
            lines.append(f"• {label(FIELD_LABELS, name, lang)}: {text}")
    if tracker.get_slot("priority") == "urgent":
        lines.append(
            f"• {label(FIELD_LABELS, 'priority', lang)}: {PRIORITY_URGENT[lang]}"
        )
    return "\n".join(lines)
