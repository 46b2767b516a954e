"""The service starts from a plain command, with SQLite and no other configuration."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import ROOT
from eseva.config import resolve_sqlite_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_relative_sqlite_paths_are_under_the_repository_root() -> None:
    assert resolve_sqlite_path("sqlite:///var/backend.db") == (
        f"sqlite:///{ROOT / 'var' / 'backend.db'}"
    )
    assert resolve_sqlite_path("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert resolve_sqlite_path("sqlite:///:memory:") == "sqlite:///:memory:"
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/eseva"
    assert resolve_sqlite_path(url) == url


def test_python_m_eseva_serves_with_a_new_sqlite_file(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "fresh" / "backend.db"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ESEVA_", "DATABASE_URL"))
    }
    env |= {
        "PYTHONPATH": str(ROOT / "backend"),
        "DATABASE_URL": f"sqlite:///{database}",
        "ESEVA_BACKEND_HOST": "127.0.0.1",
        "ESEVA_BACKEND_PORT": str(port),
    }
    database.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "eseva"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the backend did not start"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        assert database.exists()
        default_token = {"Authorization": "Bearer dev-service-token"}
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/complaints", headers=default_token, timeout=5
        )
        assert listed.json()["total"] == 0
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_health_says_unavailable_when_the_database_is_gone(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from conftest import settings_for
    from eseva.db import Database
    from eseva.main import create_app

    app = create_app(settings_for(f"sqlite:///{tmp_path / 'gone.db'}"))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        app.state.db.dispose()
        # Nothing listens on this loopback port: the database is "down".
        app.state.db = Database(
            f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x"
        )
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
