"""Fixtures for the action tests: the domain, trackers, and loopback fakes of the
backend and of Rasa's HTTP API."""

from __future__ import annotations

import inspect
import os

# Importing `actions` starts the outbox worker; the tests drive it by hand instead.
os.environ["ESEVA_OUTBOX_WORKER"] = "0"

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from action_fakes import FakeBackend, FakeRasa  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    fake = FakeBackend()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def rasa_api() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def settings_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: FakeBackend
) -> Path:
    """Point the actions at the fake backend, with short timeouts; returns the
    outbox directory."""
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("ESEVA_BACKEND_URL", backend.url)
    monkeypatch.setenv("ESEVA_SERVICE_TOKEN", "test-service-token")
    monkeypatch.setenv("ESEVA_OUTBOX_DIR", str(outbox))
    monkeypatch.setenv("ESEVA_OUTBOX_WORKER", "0")
    monkeypatch.setenv("ESEVA_BACKEND_TIMEOUT", "0.5")
    monkeypatch.setenv("ESEVA_BACKEND_RETRIES", "2")
    monkeypatch.setenv("ESEVA_SUBMIT_DEADLINE", "2")
    return outbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every `async def` test on pytest-asyncio's loop."""
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.asyncio)
