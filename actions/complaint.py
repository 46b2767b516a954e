"""What a complaint is made of: categories, the fields each needs, the backend body.

Categories are the complaint intents without `complain_` (docs/architecture.md).
Which fields the form asks depends on the category's family (issue 3, item 2).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import catalog

# The form's families: the groups of catalog/categories.yml.
LPG = "lpg"
PUMP = "petrol"
GAS = "city_gas"  # PNG homes and CNG stations
KEROSENE = "kerosene"
OTHER = "other"

CATEGORIES = tuple(catalog.categories())
COMPLAINT_INTENT_PREFIX = "complain_"
KEROSENE_COMPANY = "STATE_PDS"

# The form's slots a new complaint starts without (full_name and language are kept).
COMPLAINT_SLOTS = (
    "category",
    "description",
    "consumer_id",
    "location",
    "service_agency",
    "outlet_details",
    "company",
    "confirmed",
    "skip_requested",
    "edit_field",
    "skipped_fields",
    "validation_failures",
    "priority",
    "idempotency_key",
    "requested_slot",
)
# Fields a complaint can be filed without (the backend treats them as optional).
OPTIONAL_FIELDS = ("consumer_id", "service_agency", "outlet_details", "company")
# Fields the citizen may change at the confirmation.
EDITABLE_FIELDS = (
    "full_name",
    "consumer_id",
    "location",
    "service_agency",
    "outlet_details",
    "description",
    "company",
)


def category_from_intent(intent: str | None) -> str | None:
    if not intent or not intent.startswith(COMPLAINT_INTENT_PREFIX):
        return None
    category = intent[len(COMPLAINT_INTENT_PREFIX) :]
    return category if category in CATEGORIES else None


def family(category: str | None) -> str | None:
    if not category:
        return None
    return catalog.categories().get(category, {}).get("group", OTHER)


def fields_to_ask(slots: dict[str, Any]) -> list[str]:
    """The form's questions for these slot values, in order; filled ones included."""
    category = slots.get("category")
    skipped = set(slots.get("skipped_fields") or [])
    kind = family(category)
    if kind is None:
        return ["category"]

    fields = ["category", "description", "full_name"]
    if kind == LPG:
        fields += ["consumer_id", "location", "service_agency", "company"]
    elif kind == PUMP:
        fields += ["location", "outlet_details", "company"]
    elif kind == KEROSENE:
        fields += ["location", "outlet_details"]
    else:
        fields.append("location")
        if not slots.get("company"):
            fields.append("outlet_details")
    fields.append("confirmed")
    return [name for name in fields if name not in skipped]


def channel_of(tracker: Tracker) -> str:
    channel = tracker.get_latest_input_channel() or "rest"
    return channel if channel in ("rest", "x", "messenger") else "rest"


def complaint_body(tracker: Tracker) -> dict[str, Any]:
    """The POST /api/complaints body from the conversation's slots."""
    slot = tracker.get_slot
    body: dict[str, Any] = {
        "category": slot("category") or "other",
        "full_name": slot("full_name"),
        "location": slot("location"),
        "description": slot("description"),
        "language": slot("language") or "en",
        "channel": channel_of(tracker),
        "sender_id": tracker.sender_id,
        "priority": slot("priority") or "normal",
    }
    for name in ("company", "consumer_id", "service_agency", "outlet_details"):
        if slot(name):
            body[name] = slot(name)
    return body


def collected_fields(tracker: Tracker) -> dict[str, Any]:
    """The complaint fields given so far, for an officer taking over."""
    names = ("category", "full_name", "description") + EDITABLE_FIELDS
    return {name: tracker.get_slot(name) for name in names if tracker.get_slot(name)}
