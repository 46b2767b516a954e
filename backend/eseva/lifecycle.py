"""The complaint state machine, written as one table.

Each row is a legal transition: from, to, who may make it, and what the change must
carry. Anything not in the table is illegal (409). `python -m eseva.lifecycle` prints
the table as Markdown for docs/backend.md; a test checks the two agree.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal, get_args

Status = Literal[
    "submitted",
    "assigned",
    "in_progress",
    "awaiting_citizen",
    "transferred",
    "resolved",
    "closed",
    "rejected",
    "duplicate",
    "withdrawn",
]
STATUSES: tuple[str, ...] = get_args(Status)

Actor = Literal["officer", "citizen"]
"""`officer`: an officer or admin. `citizen`: the bot or a channel, for the citizen."""

Requirement = Literal["note", "reason", "target", "duplicate_of"]
"""`target`: the company or office a transfer goes to."""

CLOSED_STATUSES = frozenset(
    {"resolved", "closed", "rejected", "withdrawn", "duplicate"}
)
"""Not open: a new complaint with the same key is no duplicate of one of these."""

MAX_TRANSFERS = 3


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    actors: frozenset[str]
    requires: tuple[str, ...] = ()
    meaning: str = ""


def _row(
    source: str, target: str, actors: str, requires: str = "", meaning: str = ""
) -> Transition:
    return Transition(
        source, target, frozenset(actors.split()), tuple(requires.split()), meaning
    )


TRANSITIONS: tuple[Transition, ...] = (
    _row("submitted", "assigned", "officer", "", "an officer takes it"),
    _row("submitted", "in_progress", "officer", "", "work starts at once"),
    _row(
        "submitted", "transferred", "officer", "target note", "another company/office"
    ),
    _row("submitted", "rejected", "officer", "reason", "not a grievance we handle"),
    _row("submitted", "duplicate", "officer", "duplicate_of", "same as an open one"),
    _row("submitted", "withdrawn", "citizen officer", "", "the citizen withdraws"),
    _row("assigned", "in_progress", "officer", "", "work starts"),
    _row("assigned", "awaiting_citizen", "officer", "note", "details asked"),
    _row("assigned", "transferred", "officer", "target note", "another company/office"),
    _row("assigned", "resolved", "officer", "note", "fixed"),
    _row("assigned", "rejected", "officer", "reason", "not a grievance we handle"),
    _row("assigned", "duplicate", "officer", "duplicate_of", "same as an open one"),
    _row("assigned", "withdrawn", "citizen officer", "", "the citizen withdraws"),
    _row("in_progress", "awaiting_citizen", "officer", "note", "details asked"),
    _row(
        "in_progress", "transferred", "officer", "target note", "another company/office"
    ),
    _row("in_progress", "resolved", "officer", "note", "fixed"),
    _row("in_progress", "rejected", "officer", "reason", "not a grievance we handle"),
    _row("in_progress", "withdrawn", "citizen officer", "", "the citizen withdraws"),
    _row(
        "awaiting_citizen", "in_progress", "citizen officer", "", "the citizen answered"
    ),
    _row("awaiting_citizen", "resolved", "officer", "note", "fixed"),
    _row("awaiting_citizen", "closed", "officer", "note", "no answer in time"),
    _row(
        "awaiting_citizen", "withdrawn", "citizen officer", "", "the citizen withdraws"
    ),
    _row("transferred", "assigned", "officer", "", "the new owner takes it"),
    _row("transferred", "in_progress", "officer", "", "the new owner starts"),
    _row("transferred", "transferred", "officer", "target note", "sent on again"),
    _row("transferred", "rejected", "officer", "reason", "not a grievance we handle"),
    _row("transferred", "withdrawn", "citizen officer", "", "the citizen withdraws"),
    _row("resolved", "closed", "citizen officer", "", "the fix is confirmed"),
    _row("resolved", "in_progress", "citizen officer", "note", "reopened: not fixed"),
    _row("duplicate", "submitted", "officer", "note", "not a duplicate after all"),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def find(source: str, target: str) -> Transition | None:
    """The legal transition from `source` to `target`, or None."""
    return _BY_PAIR.get((source, target))


def next_statuses(source: str, actor: str) -> list[str]:
    """The statuses `actor` may move a complaint to from `source`."""
    return [t.target for t in TRANSITIONS if t.source == source and actor in t.actors]


def is_open(status: str) -> bool:
    return status not in CLOSED_STATUSES


def markdown_table() -> str:
    """The table as Markdown, as it stands in docs/backend.md."""
    lines = [
        "| from | to | who | requires | meaning |",
        "|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        who = ", ".join(sorted(t.actors))
        requires = ", ".join(t.requires) or "-"
        lines.append(f"| {t.source} | {t.target} | {who} | {requires} | {t.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
