"""Handing the conversation to an officer (POST /api/handoffs), and taking it back.

The action records the handoff with its reason and priority, keeps its id in the
`handoff_id` slot and tells the citizen roughly how long an officer takes (the
backend's `pickup_due`, from catalog/sla.yml). While the handoff is active the channel
connectors keep the citizen's messages away from Rasa (docs/console.md); the backend
gives the conversation back with the intents EXTERNAL_handoff_returned or
EXTERNAL_handoff_timed_out.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import cues
from actions.backend import OK, BackendClient
from actions.catalog import helplines
from actions.complaint import channel_of, collected_fields
from actions.form import MAX_FAILURES, failures
from actions.settings import load_settings
from actions.tracking import language, latest_intent, latest_text

logger = logging.getLogger(__name__)


# An accident, an injury or an insurance claim, in English, Devanagari and Hinglish:
# even without emergency words, the complaint is filed and then handed to an officer.
_INJURY = (
    r"accidents?",
    r"injur\w*",
    r"insurance",
    r"hadsa",
    r"haadsa",
    r"durghatna",
    r"ghayal",
    r"jakhmi",
    r"zakhmi",
    r"bima",
    r"beema",
    r"दुर्घटना",
    r"हादसा",
    r"घायल",
    r"जख्मी",
    r"ज़ख्मी",
    r"बीमा",
)
INJURY_WORDS = cues.whole_words(*_INJURY)
# Words that make an urgent handoff an accident rather than an emergency: wider than
# INJURY_WORDS ("claim" or "hospital" alone say too little outside an emergency).
ACCIDENT_WORDS = cues.whole_words(
    *_INJURY, r"hurt", r"burn[st]?", r"claims?", r"hospital", r"अस्पताल"
)
# What the citizen is told about such a handoff, before the officer's wait.
AFTER_FILING_RESPONSES = {
    "emergency": "utter_handoff_after_filing_urgent",
    "accident": "utter_handoff_after_filing_urgent",
    "corruption": "utter_handoff_after_filing_corruption",
}


def _said(tracker: Tracker) -> str:
    """The citizen's latest message and story so far (never logged)."""
    return " ".join(
        str(part)
        for part in (latest_text(tracker), tracker.get_slot("description"))
        if part
    )


def urgent_reason(said: str) -> str:
    """The reason of an urgent handoff: an accident when the citizen's words say so."""
    return "accident" if ACCIDENT_WORDS.search(said) else "emergency"


def handoff_reason(tracker: Tracker) -> str:
    intent = latest_intent(tracker)
    said = _said(tracker)
    if intent == "emergency" or tracker.get_slot("priority") == "urgent":
        return urgent_reason(said)
    if intent == "abuse":
        return "abusive_grievance"
    if cues.alleges_corruption(said):
        return "corruption"
    if any(
        entry.get("count", 0) >= MAX_FAILURES for entry in failures(tracker).values()
    ):
        return "validation_failed"
    return "citizen_asked"


def complaint_texts(tracker: Tracker) -> str:
    """Everything the citizen wrote about the current complaint: its description
    and every message since it was started (never logged)."""
    start = _complaint_start(tracker.events)
    messages = [
        str(event.get("text") or "")
        for event in tracker.events[start:]
        if event.get("event") == "user"
    ]
    return " ".join([str(tracker.get_slot("description") or "")] + messages)


def _complaint_start(events: list[dict[str, Any]]) -> int:
    """The index of the citizen's message that started the current complaint: the
    one before its idempotency key was set after a clean slate (a new key for a
    refused field keeps the complaint); 0 when none is found."""
    start, key = 0, None
    for index, event in enumerate(events):
        if event.get("event") != "slot" or event.get("name") != "idempotency_key":
            continue
        if event.get("value") and not key:
            start = index
        key = event.get("value")
    while start > 0 and events[start].get("event") != "user":
        start -= 1
    return start


def reason_after_filing(tracker: Tracker) -> str | None:
    """Why a complaint just filed also needs an officer (issue 5), or None: an
    emergency or accident (urgent), an allegation of bribery or black-marketing, an
    injury or insurance claim."""
    said = complaint_texts(tracker)
    if tracker.get_slot("priority") == "urgent":
        return urgent_reason(said)
    if cues.alleges_corruption(said):
        return "corruption"
    if INJURY_WORDS.search(said):
        return "accident"
    return None


def handoff_body(
    tracker: Tracker, reason: str, reference: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": channel_of(tracker),
        "sender_id": tracker.sender_id,
        "reason": reason,
        "priority": "urgent" if reason in ("emergency", "accident") else "normal",
        "language": language(tracker),
        "collected": collected_fields(tracker),
    }
    reference = reference or tracker.get_slot("complaint_reference")
    if reference:
        body["complaint_reference"] = reference
    return body


async def request_handoff(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    reference: str | None = None,
    told: str = "utter_handoff_started",
) -> list[EventType]:
    """Create the handoff and tell the citizen (`told`, with the reference); shared
    by the abuse, status and submit actions (`reference`: the complaint it is about,
    when not the slot's)."""
    client = BackendClient(load_settings())
    body = handoff_body(tracker, reason, reference)
    reply = await asyncio.to_thread(client.create_handoff, body)
    if reply.outcome != OK:
        logger.error(
            "conversation %s: handoff (%s) failed: %s",
            tracker.sender_id, reason, reply.outcome,
        )  # fmt: skip
        dispatcher.utter_message(
            response="utter_handoff_failed", emergency=helplines()["emergency"]
        )
        return []

    handoff_id = reply.data.get("id")
    logger.info(
        "conversation %s: handed to an officer (handoff %s, %s)",
        tracker.sender_id, handoff_id, reason,
    )  # fmt: skip
    dispatcher.utter_message(
        response=told,
        reference=body.get("complaint_reference"),
        emergency=helplines()["emergency"],
    )
    wait = pickup_minutes(reply.data)
    if wait is not None:
        dispatcher.utter_message(response="utter_handoff_wait", wait=wait)
    events: list[EventType] = [
        SlotSet("handoff_id", str(handoff_id) if handoff_id is not None else None)
    ]
    if tracker.active_loop.get("name"):
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events


class RequestHandoff(Action):
    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await request_handoff(dispatcher, tracker, handoff_reason(tracker))


def pickup_minutes(handoff: dict[str, Any]) -> int | None:
    """Minutes from the handoff's creation to its pickup target, rounded up."""
    try:
        # Python 3.10 reads no trailing "Z", which the backend's timestamps carry.
        created = datetime.fromisoformat(
            str(handoff["created_at"]).replace("Z", "+00:00")
        )
        due = datetime.fromisoformat(str(handoff["pickup_due"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return max(1, math.ceil((due - created).total_seconds() / 60))


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the citizen's latest messages in a row the NLU did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


class NotUnderstood(Action):
    """Say so once; the second message in a row not understood goes to an officer."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if fallbacks_in_a_row(tracker) >= 2:
            return await request_handoff(dispatcher, tracker, "not_understood")
        dispatcher.utter_message(response="utter_not_understood")
        return []


class BackFromOfficer(Action):
    """The officer gave the conversation back: greet again with what is known."""

    def name(self) -> str:
        return "action_back_from_officer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_back_from_officer")
        reference = tracker.get_slot("complaint_reference")
        collected = collected_fields(tracker)
        if reference:
            dispatcher.utter_message(response="utter_back_with_reference")
        elif collected:
            fields = ", ".join(str(v) for k, v in collected.items() if k != "category")
            dispatcher.utter_message(
                response="utter_back_with_details", fields=fields[:300]
            )
        else:
            dispatcher.utter_message(response="utter_how_can_i_help")
        logger.info(
            "conversation %s: back from the officer (%d fields kept)",
            tracker.sender_id, len(collected),
        )  # fmt: skip
        return [SlotSet("handoff_id", None)]
