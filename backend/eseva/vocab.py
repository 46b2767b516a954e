"""The closed word lists of the API: channels, languages, priorities, categories."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

import yaml

from eseva.config import catalog_dir

Channel = Literal["rest", "x", "messenger"]
Language = Literal["en", "hi", "hi-Latn"]
Priority = Literal["normal", "urgent"]


def _category_codes(path: Path) -> tuple[str, ...]:
    """The codes of catalog/categories.yml, in the file's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(str(code) for code in data["categories"])


# The complaint intents of docs/architecture.md without their `complain_` prefix,
# from the catalog the action server reads too. Read once at import: the API's
# models are built from them.
CATEGORIES_FILE = catalog_dir() / "categories.yml"
CATEGORIES: tuple[str, ...] = _category_codes(CATEGORIES_FILE)
Category = Literal[CATEGORIES]  # type: ignore[valid-type]

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
HANDOFF_REASONS: tuple[str, ...] = get_args(HandoffReason)

MINISTRY = "MOPNG"
"""The company code of ministry officers, who see every company's work."""

KEROSENE_COMPANY = "STATE_PDS"
"""Kerosene is distributed by the state's Food & Civil Supplies department."""
