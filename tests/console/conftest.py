"""Fixtures: the backend with its console on a fresh database (SQLite, and
PostgreSQL too when TEST_DATABASE_URL is set), a stand-in Rasa, officers with
passwords, and a signed-in browser-like client."""

from __future__ import annotations

import os
import re
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
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@contextmanager
def fresh_database(kind: str, tmp_dir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'console-{uuid.uuid4().hex[:8]}.db'}"
        return
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL variant is skipped")
    base = make_url(raw).set(drivername="postgresql+psycopg")
    name = f"eseva_console_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.stop()


def settings_for(url: str, rasa_url: str, **extra: Any) -> Settings:
    return Settings(
        database_url=url,
        service_token=SERVICE_TOKEN,
        admin_token=ADMIN_TOKEN,
        catalog_dir=ROOT / "catalog",
        rasa_url=rasa_url,
        rasa_token="test-rasa-token",
        rasa_timeout=2.0,
        handoff_watch_seconds=0,
        console_poll_ms=500,
        **extra,
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app_settings(database_url: str, rasa: FakeRasa) -> Settings:
    return settings_for(database_url, rasa.url)


@pytest.fixture(scope="session")
def api(app_settings: Settings) -> Iterator[TestClient]:
    """The JSON API (bearer tokens), as the bot and channels use it."""
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as client:
        yield client


def make_officer(api: TestClient, company: str, name: str | None = None) -> dict:
    body = {
        "username": unique("off").lower(),
        "display_name": name or f"Officer of {company}",
        "company": company,
        "role": "officer",
        "password": PASSWORD,
    }
    response = api.post("/api/officers", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return response.json()


def open_handoff(api: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "channel": "messenger",
        "sender_id": unique("PSID"),
        "reason": "citizen_asked",
        "priority": "normal",
        "language": "hi-Latn",
        "collected": {
            "category": "lpg_delivery",
            "full_name": "Sunita Devi",
            "service_agency": "Shree Ganesh Gas, Indane",
            "location": "Rohtak",
        },
        **overrides,
    }
    response = api.post("/api/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


def relay(api: TestClient, handoff_id: int, text: str) -> None:
    response = api.post(
        f"/api/handoffs/{handoff_id}/messages",
        json={"text": text, "direction": "citizen", "platform_message_id": unique("m")},
        headers=SERVICE,
    )
    assert response.status_code == 201, response.text


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )


@pytest.fixture
def console_for(app_settings: Settings) -> Iterator[Any]:
    """Signed-in console clients (each its own cookie jar) for given officers."""
    clients: list[TestClient] = []

    def make(officer: dict[str, Any]) -> TestClient:
        client = TestClient(create_app(app_settings), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        response = sign_in(client, officer["username"])
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """The app on a real uvicorn on a free loopback port."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
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
