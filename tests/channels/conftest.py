"""Fixtures for the channel tests: a database per test (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), and the running stack."""

from __future__ import annotations

import os
from typing import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bot.channels import store as store_module
from tests.channels.harness import Stack, start_stack, stop_stack
from tests.postgres import temporary_database


def _postgres_database() -> Iterator[str]:
    with temporary_database("channels_test") as url:
        try:
            yield url
        finally:
            store_module._stores.clear()


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
