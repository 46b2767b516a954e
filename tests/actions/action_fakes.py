"""Loopback HTTP fakes of the backend and of Rasa's HTTP API, on free ports.

The fake backend keeps complaints in memory with the API's idempotency rules (same key
and body: the same complaint; same key, other body: 409) and can be told to fail.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    status: int
    body: Any = None
    delay: float = 0.0


class FakeService:
    """A threaded HTTP server on 127.0.0.1; `answer` decides each reply."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, call: Call) -> Reply:
        return Reply(404, {"error": {"code": "not_found", "message": "no route"}})

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                call = Call(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with service._lock:
                    service.calls.append(call)
                reply = service.answer(call)
                if reply.delay:
                    time.sleep(reply.delay)
                data = json.dumps(reply.body or {}).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            do_GET = do_POST = do_PATCH = _handle

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: from now on connections are refused."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]


@dataclass
class FakeBackend(FakeService):
    mode: str = "ok"  # ok | error500 | slow | invalid | duplicate | refuse401
    slow_seconds: float = 2.0
    invalid_field: str = "location"
    complaints: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        FakeService.__init__(self)

    def answer(self, call: Call) -> Reply:
        if call.headers.get("authorization") != "Bearer test-service-token":
            return Reply(401, {"error": {"code": "unauthorized", "message": "token"}})
        if self.mode == "error500":
            return Reply(500, {"error": {"code": "internal", "message": "boom"}})
        if self.mode == "slow":
            return Reply(503, {}, delay=self.slow_seconds)
        if call.method == "POST" and call.path == "/api/complaints":
            return self._create(call)
        if call.method == "POST" and call.path == "/api/handoffs":
            return Reply(201, {"id": 41, "status": "waiting", **call.body})
        if call.method == "GET" and call.path.endswith("/status"):
            return self._status(call)
        return super().answer(call)

    def _create(self, call: Call) -> Reply:
        if self.mode == "invalid":
            error = {"code": "invalid", "message": "bad", "field": self.invalid_field}
            return Reply(422, {"error": error})
        key = call.headers.get("idempotency-key")
        with self._lock:
            if key in self.complaints:
                stored = self.complaints[key]
                if stored["body"] != call.body:
                    return Reply(409, {"error": {"code": "conflict", "message": "key"}})
                return Reply(200, stored["out"])
            reference = f"MOPNG-2026-{len(self.complaints) + 1:06d}"
            out = {"reference": reference, "status": "submitted", **call.body}
            if self.mode == "duplicate":
                out.update(status="duplicate", duplicate_of="MOPNG-2026-000077")
            self.complaints[key] = {"body": call.body, "out": out}
        return Reply(201, out)

    def _status(self, call: Call) -> Reply:
        reference = call.path.split("/")[3]
        sender = (call.query.get("sender_id") or [""])[0]
        channel = (call.query.get("channel") or [""])[0]
        owner, view = self.statuses.get(reference, (None, {}))
        if owner != (channel, sender):
            return Reply(404, {"error": {"code": "not_found", "message": "no"}})
        return Reply(200, view)


class FakeRasa(FakeService):
    """Rasa's trigger_intent endpoint, recording what it was asked to say."""

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status

    def answer(self, call: Call) -> Reply:
        if call.method == "POST" and call.path.endswith("/trigger_intent"):
            return Reply(self.status, {"tracker": {}})
        return super().answer(call)

    def triggers(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/trigger_intent")]
