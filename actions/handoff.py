"""Handing the conversation to an officer (POST /api/handoffs).

The bot's silence while an officer owns the conversation is a later issue; this action
records the handoff, keeps its id in the `handoff_id` slot and tells the citizen.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import OK, BackendClient
from actions.catalog import helplines
from actions.complaint import channel_of, collected_fields
from actions.form import MAX_FAILURES, failures
from actions.settings import load_settings
from actions.tracking import language, latest_intent

logger = logging.getLogger(__name__)


def handoff_reason(tracker: Tracker) -> str:
    intent = latest_intent(tracker)
    if intent == "emergency" or tracker.get_slot("priority") == "urgent":
        return "emergency"
    if intent == "abuse":
        return "abusive_grievance"
    if any(
        entry.get("count", 0) >= MAX_FAILURES for entry in failures(tracker).values()
    ):
        return "validation_failed"
    return "citizen_asked"


def handoff_body(tracker: Tracker, reason: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": channel_of(tracker),
        "sender_id": tracker.sender_id,
        "reason": reason,
        "priority": "urgent" if reason == "emergency" else "normal",
        "language": language(tracker),
        "collected": collected_fields(tracker),
    }
    if tracker.get_slot("complaint_reference"):
        body["complaint_reference"] = tracker.get_slot("complaint_reference")
    return body


async def request_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[EventType]:
    """Create the handoff and tell the citizen; shared by the abuse action."""
    client = BackendClient(load_settings())
    body = handoff_body(tracker, reason)
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
    dispatcher.utter_message(response="utter_handoff_started")
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
