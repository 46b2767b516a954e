"""A complaint's status for the citizen who filed it (the backend's citizen view).

The backend answers 404 both for an unknown reference and for one filed from another
conversation, and so does the bot: nothing about someone else's complaint leaks.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import INVALID, NOT_FOUND, OK, BackendClient
from actions.complaint import channel_of
from actions.handoff import request_handoff
from actions.settings import load_settings
from actions.texts import EXPECTED_BY, STATUS_LABELS, label
from actions.tracking import entity_values, language

logger = logging.getLogger(__name__)


def _day(timestamp: object) -> str:
    """The date part of an ISO timestamp ("2026-12-04T10:00:00Z" -> "2026-12-04")."""
    text = str(timestamp or "")
    return text[:10] if len(text) >= 10 else text


class ComplaintStatus(Action):
    def name(self) -> str:
        return "action_complaint_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        references = entity_values(tracker, "reference")
        if not references:
            dispatcher.utter_message(response="utter_status_ask_reference")
            return []

        reference = references[-1].strip().upper()
        client = BackendClient(load_settings())
        reply = await asyncio.to_thread(
            client.complaint_status, reference, channel_of(tracker), tracker.sender_id
        )
        if reply.outcome in (NOT_FOUND, INVALID):
            logger.info(
                "conversation %s: status of %s not found for this sender",
                tracker.sender_id, reference,
            )  # fmt: skip
            dispatcher.utter_message(response="utter_status_not_found")
            return []
        if reply.outcome != OK:
            dispatcher.utter_message(response="utter_status_unavailable")
            return []

        lang = language(tracker)
        expected_by = _day(reply.data.get("expected_by"))
        dispatcher.utter_message(
            response="utter_status",
            reference=reply.data.get("reference", reference),
            status=label(STATUS_LABELS, str(reply.data.get("status")), lang),
            updated_at=_day(reply.data.get("updated_at")),
            expected=EXPECTED_BY[lang].format(date=expected_by) if expected_by else "",
        )
        if reply.data.get("overdue"):
            # A citizen coming back about a complaint the backend calls overdue (its
            # service levels decide, not the date above): a person.
            logger.info(
                "conversation %s: %s is overdue; handing over",
                tracker.sender_id, reference,
            )  # fmt: skip
            return await request_handoff(
                dispatcher, tracker, "overdue_repeat", reply.data.get("reference")
            )
        return []
