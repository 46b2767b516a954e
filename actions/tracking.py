"""Small readers of the conversation tracker shared by the actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.texts import language_of

FORM = "complaint_form"


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(item["value"])
        for item in tracker.latest_message.get("entities") or []
        if item.get("entity") == entity and item.get("value") is not None
    ]


def language(tracker: Tracker) -> str:
    return language_of(tracker.get_slot("language"))


def form_is_running(tracker: Tracker) -> bool:
    """True while validating a citizen's message inside the already active form.

    Rasa hands the form's validation a tracker that ends with the form's own
    ActionExecuted and the slot candidates; behind those must be the citizen's
    message (not another action, as after a side question).
    """
    if (tracker.active_loop or {}).get("name") != FORM:
        return False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in _BOOKKEEPING_EVENTS:
            continue
        if kind == "action":
            if event.get("name") == FORM:
                continue
            return event.get("name") == "action_listen"
        return kind == "user"
    return False


_BOOKKEEPING_EVENTS = {"slot", "active_loop", "loop_interrupted", "user_featurization"}


def value_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value just before the citizen's latest message."""
    last_user = max(
        (i for i, event in enumerate(tracker.events) if event.get("event") == "user"),
        default=len(tracker.events),
    )
    value = None
    for event in tracker.events[:last_user]:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == slot:
            value = event.get("value")
        elif kind == "restart":
            value = None
    return value


def last_bot_reply(tracker: Tracker) -> str | None:
    """The name of the reply the bot sent last (utter_...), if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None
