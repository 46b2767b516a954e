"""The fault-injecting proxy, in front of a tiny stand-in backend."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from .faultproxy import FaultProxy


class Backend(BaseHTTPRequestHandler):
    """Echoes what reached it, so a test sees exactly what the proxy forwarded."""

    received: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        Backend.received.append((self.command, self.path))
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "body": body,
                "key": self.headers.get("Idempotency-Key"),
            }
        ).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PATCH = do_GET

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def backend() -> Iterator[int]:
    Backend.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(backend: int) -> Iterator[FaultProxy]:
    running = FaultProxy(target_port=backend).start()
    yield running
    running.stop()


def create(proxy: FaultProxy, timeout: float = 5.0) -> requests.Response:
    return requests.post(
        f"{proxy.url}/api/complaints",
        json={"full_name": "Sunita Devi"},
        headers={"Idempotency-Key": "k-1"},
        timeout=timeout,
    )


def test_forwards_method_path_body_and_headers(proxy: FaultProxy) -> None:
    response = create(proxy)

    assert response.status_code == 201
    assert response.headers["X-Backend"] == "yes"
    echoed = response.json()
    assert echoed["path"] == "/api/complaints"
    assert json.loads(echoed["body"]) == {"full_name": "Sunita Devi"}
    assert echoed["key"] == "k-1"
    assert [(c.method, c.path, c.status) for c in proxy.calls()] == [
        ("POST", "/api/complaints", 201)
    ]


def test_error_hits_only_the_matching_requests_the_given_times(
    proxy: FaultProxy,
) -> None:
    proxy.fail(500, match="POST /api/complaints", times=2)

    assert requests.get(f"{proxy.url}/api/complaints", timeout=5).status_code == 200
    first, second, third = create(proxy), create(proxy), create(proxy)

    assert (first.status_code, second.status_code, third.status_code) == (
        500,
        500,
        201,
    )
    assert first.json()["error"]["code"] == "injected"
    assert len(Backend.received) == 2  # the GET and the third POST
    assert len(proxy.calls("POST /api/complaints")) == 3
    assert len(proxy.calls("GET /api")) == 1


def test_a_path_prefix_alone_matches_every_method(proxy: FaultProxy) -> None:
    proxy.fail(503, match="/api/handoffs")
    assert requests.get(f"{proxy.url}/api/handoffs", timeout=5).status_code == 503
    assert requests.post(f"{proxy.url}/api/handoffs", timeout=5).status_code == 503
    assert create(proxy).status_code == 201


def test_hang_then_forward_delivers_late(proxy: FaultProxy) -> None:
    proxy.hang(1.0, match="POST /api/complaints", times=1)

    with pytest.raises(requests.Timeout):
        create(proxy, timeout=0.3)  # the client gives up, as the bot's action does
    deadline = time.monotonic() + 5
    while not Backend.received and time.monotonic() < deadline:
        time.sleep(0.05)

    assert Backend.received == [("POST", "/api/complaints")]
    assert create(proxy).status_code == 201  # the hang was used up


def test_hang_then_drop_never_reaches_the_backend(proxy: FaultProxy) -> None:
    proxy.hang(0.2, then="drop")

    with pytest.raises(requests.ConnectionError):
        create(proxy)

    assert Backend.received == []
    assert proxy.calls()[0].fault == "hang-drop"


def test_refuse_then_restore_on_the_same_port(proxy: FaultProxy) -> None:
    port = proxy.port
    proxy.refuse()

    with pytest.raises(requests.ConnectionError):
        create(proxy)
    proxy.restore()

    assert proxy.port == port
    assert create(proxy).status_code == 201


def test_restore_clears_faults_and_reset_clears_counts(proxy: FaultProxy) -> None:
    proxy.fail(500)
    proxy.restore()
    assert create(proxy).status_code == 201
    proxy.reset_calls()
    assert proxy.calls() == []


def test_an_unreachable_backend_is_a_502() -> None:
    dead = FaultProxy(target_port=1).start()  # nothing listens on port 1
    try:
        response = create(dead)
    finally:
        dead.stop()
    assert response.status_code == 502


def test_query_strings_are_not_recorded(proxy: FaultProxy) -> None:
    requests.get(
        f"{proxy.url}/api/complaints", params={"sender_id": "PSID_1001"}, timeout=5
    )
    assert proxy.calls()[0].path == "/api/complaints"
    assert Backend.received == [("GET", "/api/complaints?sender_id=PSID_1001")]


def test_a_bad_hang_mode_is_refused(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError):
        proxy.hang(1, then="explode")
