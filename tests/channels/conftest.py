"""Fixtures for the channel tests: a database per test (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), and the running stack."""

from __future__ import annotations

import os
import uuid
from typing import AsyncIterator, Iterator

import pytest
import pytest_asyncio
import sqlalchemy as sa

from bot.channels import store as store_module
from bot.channels.store import normalise_url
from tests.channels.harness import Stack, start_stack, stop_stack


def _postgres_database() -> Iterator[str]:
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    name = f"channels_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        store_module._stores.clear()
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


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty channels database for one test."""
    store_module._stores.clear()
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'channels.db'}"
        store_module._stores.clear()
        return
    yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    store_module._stores.clear()
    yield f"sqlite:///{tmp_path / 'channels.db'}"
    store_module._stores.clear()


@pytest_asyncio.fixture
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    running = await start_stack(sqlite_url)
    try:
        yield running
    finally:
        await stop_stack(running)
