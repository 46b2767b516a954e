"""A throw-away PostgreSQL database for the bot environment's tests, on the server
TEST_DATABASE_URL names (CI sets it; tests without it use SQLite only)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from bot.channels.store import normalise_url


@contextlib.contextmanager
def temporary_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped (its connections ended) after."""
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
