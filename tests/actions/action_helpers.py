"""Building rasa-sdk trackers the way the Rasa server sends them to actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

SLOT_NAMES = (
    "category description full_name consumer_id location service_agency "
    "outlet_details company language confirmed skip_requested edit_field "
    "skipped_fields validation_failures priority idempotency_key "
    "complaint_reference handoff_id requested_slot emergency_offered"
).split()


def make_tracker(
    *,
    text: str = "",
    intent: str | None = "inform",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    candidates: dict[str, Any] | None = None,
    form_active: bool = False,
    latest_action: str = "action_listen",
    history: list[dict[str, Any]] | None = None,
    channel: str = "rest",
    sender_id: str = "citizen-1",
    parse_extra: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker after the citizen's message `text`.

    `slots` are the values before the message; `candidates` the values the message
    set (they end the event list, as Rasa's form sends them for validation).
    """
    before = {name: None for name in SLOT_NAMES}
    before.update(slots or {})
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    parse.update(parse_extra or {})

    events: list[dict[str, Any]] = list(history or [])
    events += [
        {"event": "slot", "name": name, "value": value}
        for name, value in (slots or {}).items()
    ]
    events.append({"event": "action", "name": "action_listen"})
    events.append(
        {
            "event": "user",
            "text": text,
            "parse_data": parse,
            "input_channel": channel,
        }
    )
    if latest_action != "action_listen":
        events.append({"event": "action", "name": latest_action})
    elif form_active:
        # As Rasa's form hands a message to its validation action.
        events.append({"event": "action", "name": "complaint_form"})
        latest_action = "complaint_form"
    events += [
        {"event": "slot", "name": name, "value": value}
        for name, value in (candidates or {}).items()
    ]

    current = dict(before)
    current.update(candidates or {})
    return Tracker(
        sender_id=sender_id,
        slots=current,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "complaint_form"} if form_active else {},
        latest_action_name=latest_action,
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") for message in dispatcher.messages]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
