"""Service levels from `catalog/sla.yml`: due times and whether a complaint is overdue.

"Overdue" is computed from these numbers when asked, never stored as a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from eseva.lifecycle import is_open
from eseva.vocab import PRIORITIES


@dataclass(frozen=True)
class ServiceLevels:
    first_contact: dict[str, timedelta]
    closure: dict[str, timedelta]
    handoff_pickup: dict[str, timedelta]

    @classmethod
    def from_file(cls, path: Path) -> ServiceLevels:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))

        def table(key: str, unit: str) -> dict[str, timedelta]:
            values = data[key]
            missing = [p for p in PRIORITIES if p not in values]
            if missing:
                raise ValueError(f"{path.name}: {key} lacks {', '.join(missing)}")
            return {p: timedelta(**{unit: float(values[p])}) for p in PRIORITIES}

        return cls(
            first_contact=table("first_contact_hours", "hours"),
            closure=table("closure_hours", "hours"),
            handoff_pickup=table("handoff_pickup_minutes", "minutes"),
        )

    def first_contact_due(self, created_at: datetime, priority: str) -> datetime:
        return created_at + self.first_contact[priority]

    def expected_by(self, created_at: datetime, priority: str) -> datetime:
        """When the complaint should be closed: the date the citizen is told."""
        return created_at + self.closure[priority]

    def is_overdue(
        self, status: str, created_at: datetime, priority: str, now: datetime
    ) -> bool:
        """Open past its closure target, or still untouched past first contact."""
        if not is_open(status):
            return False
        if status == "submitted" and now > self.first_contact_due(created_at, priority):
            return True
        return now > self.expected_by(created_at, priority)

    def pickup_due(self, created_at: datetime, priority: str) -> datetime:
        return created_at + self.handoff_pickup[priority]
