"""Fixtures: one app per database (SQLite always, PostgreSQL when TEST_DATABASE_URL
is set), officers with tokens, and helpers to file complaints.

Each database is made for this run under a unique name and dropped at the end.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from eseva.config import Settings
from eseva.main import create_app
from fake_rasa import FakeRasa

ROOT = Path(__file__).resolve().parents[2]
SERVICE_TOKEN = "test-service-token"
ADMIN_TOKEN = "test-admin-token"
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def postgres_base_url() -> str | None:
    """TEST_DATABASE_URL with the psycopg 3 driver, or None."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, uniquely named PostgreSQL database, dropped afterwards."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL variant is skipped")
    name = f"eseva_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def fresh_database(kind: str, tmp_dir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'backend-{uuid.uuid4().hex[:8]}.db'}"
        return
    with postgres_database() as url:
        yield url


RASA_TOKEN = "test-rasa-token"
# No Rasa at all: a closed loopback port, never a running dev server.
NO_RASA = "http://127.0.0.1:9"


def settings_for(url: str, rasa_url: str = NO_RASA) -> Settings:
    return Settings(
        database_url=url,
        service_token=SERVICE_TOKEN,
        admin_token=ADMIN_TOKEN,
        catalog_dir=ROOT / "catalog",
        log_level="INFO",
        rasa_url=rasa_url,
        rasa_token=RASA_TOKEN,
        rasa_timeout=1.0,
        handoff_watch_seconds=0,
    )


@pytest.fixture(scope="session")
def rasa() -> Iterator[FakeRasa]:
    """The stand-in Rasa the apps below talk to (returning a handoff needs one)."""
    fake = FakeRasa(RASA_TOKEN)
    yield fake
    fake.stop()


@pytest.fixture
def bot_down(rasa: FakeRasa) -> Iterator[FakeRasa]:
    """Rasa answers nothing but 503 for the length of one test."""
    rasa.up = False
    yield rasa
    rasa.up = True


@pytest.fixture(params=["/tracker/events", "/trigger_intent"])
def greeting_fails(
    request: pytest.FixtureRequest, rasa: FakeRasa
) -> Iterator[FakeRasa]:
    """Rasa is running, but the resume or the trigger of a hand-back fails."""
    rasa.failing = (request.param,)
    yield rasa
    rasa.failing = ()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: Any
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def client(database_url: str, rasa: FakeRasa) -> Iterator[TestClient]:
    app = create_app(settings_for(database_url, rasa.url))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_url(database_url: str, client: TestClient, rasa: FakeRasa) -> Iterator[str]:
    """The same database served by a real uvicorn on a free loopback port, for
    tests that need truly concurrent requests."""
    app = create_app(settings_for(database_url, rasa.url))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def consumer_number() -> str:
    """A fresh 10-digit consumer number, so duplicate checks meet no other test."""
    return str(uuid.uuid4().int)[:10]


def complaint_body(**overrides: Any) -> dict[str, Any]:
    """A valid complaint from a new sender; `overrides` replace fields."""
    body: dict[str, Any] = {
        "category": "lpg_delivery",
        "full_name": "Sunita Devi",
        "consumer_id": None,
        "location": "Rohtak",
        "service_agency": "Shree Ganesh Gas, Indane distributor",
        "outlet_details": None,
        "description": "Cylinder booked ten days ago, not delivered.",
        "language": "en",
        "channel": "messenger",
        "sender_id": unique("PSID"),
        "priority": "normal",
    }
    body.update(overrides)
    return body


def key_headers(key: str | None = None) -> dict[str, str]:
    return {**SERVICE, "Idempotency-Key": key or unique("key")}


def file_complaint(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/complaints", json=complaint_body(**overrides), headers=key_headers()
    )
    assert response.status_code == 201, response.text
    return response.json()


def make_officer(
    client: TestClient, company: str, role: str = "officer", **extra: Any
) -> dict[str, Any]:
    """A new officer; the result carries `headers` with its bearer token."""
    body = {
        "username": unique("off").lower(),
        "display_name": f"Officer {company.title()}",
        "company": company,
        "role": role,
        **extra,
    }
    response = client.post("/api/officers", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    officer = response.json()
    officer["headers"] = {"Authorization": f"Bearer {officer['token']}"}
    return officer


@pytest.fixture(scope="session")
def officers(client: TestClient) -> dict[str, dict[str, Any]]:
    """One officer each of IOCL, HPCL and the ministry, and a second IOCL officer."""
    return {
        "IOCL": make_officer(client, "IOCL"),
        "IOCL2": make_officer(client, "IOCL"),
        "HPCL": make_officer(client, "HPCL"),
        "MOPNG": make_officer(client, "MOPNG"),
    }
