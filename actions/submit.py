"""Filing the confirmed complaint with the backend, or keeping it in the outbox.

One idempotency key per form submission (slot `idempotency_key`), so a repeated run
never creates a second complaint. The blocking HTTP call runs in a thread so other
conversations on this action server are not held up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import complaint
from actions.backend import CONFLICT, INVALID, OK, BackendClient, BackendReply
from actions.handoff import (
    AFTER_FILING_RESPONSES,
    handoff_body,
    reason_after_filing,
    request_handoff,
)
from actions.outbox import PENDING, Outbox, ensure_worker
from actions.settings import load_settings
from actions.texts import FIELD_LABELS, label
from actions.tracking import FORM, language

logger = logging.getLogger(__name__)


def new_key() -> str:
    return uuid.uuid4().hex


def cleared_complaint_slots() -> list[EventType]:
    """A fresh start for the next complaint; the name and language are kept."""
    return [SlotSet(name, None) for name in complaint.COMPLAINT_SLOTS]


class SubmitComplaint(Action):
    def name(self) -> str:
        return "action_submit_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("confirmed") is not True:
            dispatcher.utter_message(response="utter_not_filed")
            logger.info("conversation %s: citizen chose not to file", tracker.sender_id)
            return cleared_complaint_slots()

        settings = load_settings()
        client = BackendClient(settings)
        key = tracker.get_slot("idempotency_key") or new_key()
        body = complaint.complaint_body(tracker)

        reply = await asyncio.to_thread(client.create_complaint, body, key)
        if reply.outcome == CONFLICT:
            logger.warning(
                "conversation %s: key %s was used for another body; new key",
                tracker.sender_id, key,
            )  # fmt: skip
            key = new_key()
            reply = await asyncio.to_thread(client.create_complaint, body, key)

        if reply.outcome == OK:
            events, reference = self._registered(dispatcher, tracker, reply)
            if reference:
                events += await self._hand_over_if_due(
                    dispatcher, tracker, client, reply, reference
                )
            return events
        if reply.outcome == INVALID and reply.error_field in complaint.EDITABLE_FIELDS:
            return self._ask_again(dispatcher, tracker, reply.error_field)

        entry: dict[str, Any] = {
            "idempotency_key": key,
            "body": body,
            "sender_id": tracker.sender_id,
            "state": PENDING,
            "attempts": 1,
            "created_at": datetime.now(timezone.utc).isoformat(),
        }
        reason = reason_after_filing(tracker)
        if reason is not None:
            # The worker hands it to an officer once it has a reference.
            entry["handoff"] = handoff_body(tracker, reason)
        Outbox(settings.outbox_dir).put(entry)
        ensure_worker()
        logger.warning(
            "conversation %s: backend %s (%s); complaint %s kept in the outbox",
            tracker.sender_id, reply.outcome, reply.status, key,
        )  # fmt: skip
        dispatcher.utter_message(response="utter_saved_offline")
        return cleared_complaint_slots() + [SlotSet("complaint_reference", None)]

    def _registered(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reply: BackendReply
    ) -> tuple[list[EventType], str | None]:
        reference = reply.data.get("reference")
        original = reply.data.get("duplicate_of")
        if reply.data.get("status") == "duplicate" and original:
            dispatcher.utter_message(response="utter_duplicate", reference=original)
            reference = original
        else:
            dispatcher.utter_message(response="utter_submitted", reference=reference)
        logger.info("conversation %s: complaint %s filed", tracker.sender_id, reference)
        events = cleared_complaint_slots() + [SlotSet("complaint_reference", reference)]
        return events, reference

    async def _hand_over_if_due(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        client: BackendClient,
        reply: BackendReply,
        reference: str,
    ) -> list[EventType]:
        """A filed complaint that also needs a person (issue 5) goes on to an
        officer with its reference: an emergency or accident, an allegation of
        bribery or black-marketing, or a repeat of a complaint already past its
        target."""
        reason = reason_after_filing(tracker)
        if reason is not None:
            return await request_handoff(
                dispatcher,
                tracker,
                reason,
                reference,
                told=AFTER_FILING_RESPONSES[reason],
            )
        if reply.data.get("status") != "duplicate":
            return []
        original = await asyncio.to_thread(client.complaint, reference)
        if original.outcome != OK or not original.data.get("overdue"):
            return []
        logger.info(
            "conversation %s: repeat of %s, which is overdue; handing over",
            tracker.sender_id, reference,
        )  # fmt: skip
        return await request_handoff(
            dispatcher,
            tracker,
            "overdue_repeat",
            reference,
            told="utter_handoff_after_filing_overdue",
        )

    def _ask_again(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, field: str
    ) -> list[EventType]:
        """The backend refused one field: ask the citizen for it again."""
        logger.warning(
            "conversation %s: backend refused the field %s", tracker.sender_id, field
        )
        dispatcher.utter_message(
            response="utter_field_rejected",
            field=label(FIELD_LABELS, field, language(tracker)),
        )
        events: list[Any] = [
            SlotSet(field, None),
            SlotSet("confirmed", None),
            # The body changes, so it is a new submission with a new key.
            SlotSet("idempotency_key", new_key()),
            FollowupAction(FORM),
        ]
        return events
