"""endpoints.yml with the documented settings: a SQL tracker store in which a
conversation in the middle of the form survives a restart (SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set), and the lock store (Redis when
TEST_REDIS_URL is set)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from with_env import read_env_file  # noqa: E402


@pytest.fixture
def documented_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment `make run` gives Rasa: .env.example, nothing else."""
    settings = read_env_file(ROOT / ".env.example")
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    return settings


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def endpoints() -> AvailableEndpoints:
    return AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))


def form_in_progress(domain: Domain, sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered(
                "cylinder nahi aaya",
                {"name": "complain_lpg_delivery", "confidence": 0.98},
            ),
            ActionExecuted("action_start_complaint"),
            SlotSet("category", "lpg_delivery"),
            ActionExecuted("complaint_form"),
            ActiveLoop("complaint_form"),
            SlotSet("full_name", "Sunita Devi"),
            SlotSet("requested_slot", "consumer_id"),
            ActionExecuted("action_listen"),
        ],
        slots=domain.slots,
    )


async def assert_survives_restart(make_store, domain: Domain, sender: str) -> None:
    await make_store().save(form_in_progress(domain, sender))

    restored = await make_store().retrieve(sender)

    assert restored is not None
    assert restored.active_loop_name == "complaint_form"
    assert restored.get_slot("requested_slot") == "consumer_id"
    assert restored.get_slot("full_name") == "Sunita Devi"


def test_documented_defaults_cover_every_variable(
    documented_settings: dict[str, str],
) -> None:
    config = endpoints()

    assert config.action.url == documented_settings["ESEVA_ACTION_SERVER_URL"]
    assert config.tracker_store.type == "SQL"
    assert config.tracker_store.url == "sqlite:///var/tracker.db"
    assert config.lock_store.type == "in_memory"


def test_default_lock_store_is_in_memory(documented_settings: dict[str, str]) -> None:
    assert isinstance(LockStore.create(endpoints().lock_store), InMemoryLockStore)


async def test_sqlite_conversation_survives_a_restart(
    documented_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    rasa_domain: Domain,
) -> None:
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    config = endpoints().tracker_store

    def make_store() -> TrackerStore:
        store = TrackerStore.create(config, rasa_domain)
        assert isinstance(store, SQLTrackerStore)
        return store

    await assert_survives_restart(make_store, rasa_domain, "citizen-sqlite")
    assert (tmp_path / "tracker.db").exists()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    import psycopg2

    url = base.replace("postgresql+psycopg://", "postgresql://").replace(
        "postgresql+psycopg2://", "postgresql://"
    )
    name = f"eseva_tracker_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


async def test_postgresql_conversation_survives_a_restart(
    documented_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
    rasa_domain: Domain,
) -> None:
    monkeypatch.setenv("TRACKER_DB_URL", postgres_url)
    config = endpoints().tracker_store
    stores: list[SQLTrackerStore] = []

    def make_store() -> TrackerStore:
        store = TrackerStore.create(config, rasa_domain)
        assert isinstance(store, SQLTrackerStore)
        stores.append(store)
        return store

    try:
        await assert_survives_restart(make_store, rasa_domain, "citizen-postgres")
    finally:
        for store in stores:
            store.engine.dispose()


async def test_redis_lock_store_by_setting(
    documented_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    parts = urlsplit(url)
    monkeypatch.setenv("LOCK_STORE_TYPE", "redis")
    monkeypatch.setenv("LOCK_STORE_HOST", parts.hostname or "127.0.0.1")
    monkeypatch.setenv("LOCK_STORE_PORT", str(parts.port or 6379))
    monkeypatch.setenv("LOCK_STORE_DB", (parts.path or "/0").lstrip("/") or "0")

    store = LockStore.create(endpoints().lock_store)
    conversation = f"lock-test-{uuid.uuid4().hex}"

    assert isinstance(store, RedisLockStore)
    async with store.lock(conversation):
        assert store.get_lock(conversation) is not None
    assert store.get_lock(conversation) is None
