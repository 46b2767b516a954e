"""Complaint references, `MOPNG-<year>-<6 digits>`, from a per-year counter.

The counter is one row per year, raised with an atomic upsert (`INSERT ... ON
CONFLICT DO UPDATE ... RETURNING`), so two transactions never get the same number on
SQLite or PostgreSQL. On PostgreSQL the row stays locked until the transaction ends,
which also orders concurrent creates (the duplicate check relies on this).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from eseva.models import ReferenceCounter

PREFIX = "MOPNG"
INDIA = ZoneInfo("Asia/Kolkata")


def reference_year(moment: datetime) -> int:
    """The year in India at `moment`: a complaint filed at 00:30 IST on 1 January
    belongs to the new year, though it is still 31 December in UTC."""
    return moment.astimezone(INDIA).year


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:06d}"


def next_reference(session: Session, year: int) -> str:
    """Take the next number of `year` inside the session's transaction."""
    table = ReferenceCounter.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    number = session.execute(statement).scalar_one()
    return format_reference(year, number)


def normalise_reference(text: str) -> str:
    """Upper-case and trimmed: `mopng-2026-000123 ` is `MOPNG-2026-000123`."""
    return text.strip().upper()
