"""The closed word lists of the API: channels, languages, priorities, categories."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["rest", "x", "messenger"]
Language = Literal["en", "hi", "hi-Latn"]
Priority = Literal["normal", "urgent"]

# The complaint intents of docs/architecture.md without their `complain_` prefix.
Category = Literal[
    "lpg_delivery",
    "lpg_booking",
    "lpg_overcharge",
    "lpg_short_weight",
    "lpg_subsidy",
    "lpg_new_connection",
    "lpg_kyc_otp",
    "lpg_distributor_conduct",
    "pump_short_delivery",
    "pump_quality",
    "pump_overcharge",
    "pump_stock",
    "pump_amenities",
    "pump_staff",
    "pump_payment",
    "cgd_billing",
    "cgd_connection",
    "cng_station",
    "kerosene",
    "other",
]

HandoffReason = Literal[
    "citizen_asked",
    "not_understood",
    "validation_failed",
    "emergency",
    "accident",
    "corruption",
    "overdue_repeat",
    "abusive_grievance",
]

Role = Literal["officer", "admin"]

CHANNELS: tuple[str, ...] = get_args(Channel)
LANGUAGES: tuple[str, ...] = get_args(Language)
PRIORITIES: tuple[str, ...] = get_args(Priority)
CATEGORIES: tuple[str, ...] = get_args(Category)
HANDOFF_REASONS: tuple[str, ...] = get_args(HandoffReason)

MINISTRY = "MOPNG"
"""The company code of ministry officers, who see every company's work."""

KEROSENE_COMPANY = "STATE_PDS"
"""Kerosene is distributed by the state's Food & Civil Supplies department."""
