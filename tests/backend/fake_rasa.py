"""A stand-in for Rasa's HTTP API on a free loopback port: it serves a transcript,
records resume and trigger_intent calls, and can be switched off or made to fail
some calls. Shared by the backend's and the console's tests (their pytest.ini puts
this directory on the path)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit


class FakeRasa:
    def __init__(self, token: str = "test-rasa-token") -> None:
        self.token = token
        self.calls: list[tuple[str, str, Any]] = []
        self.transcripts: dict[str, list[dict[str, Any]]] = {}
        self.up = True
        # Paths ending with one of these answer 500 (the call is still recorded).
        self.failing: tuple[str, ...] = ()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                if not fake.up:
                    self._answer(503, {"message": "down"})
                    return
                if f"token={fake.token}" not in parts.query:
                    self._answer(401, {"message": "token"})
                    return
                path = unquote(parts.path)
                fake.calls.append((method, path, body))
                if fake.failing and path.endswith(fake.failing):
                    self._answer(500, {"message": "failing"})
                elif path == "/status":
                    self._answer(200, {"model_file": "fake"})
                elif path.endswith("/tracker") and method == "GET":
                    sender = path.split("/")[2]
                    self._answer(200, {"events": fake.transcripts.get(sender, [])})
                else:
                    self._answer(200, {})

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def triggered(self, sender: str) -> list[Any]:
        """The trigger_intent bodies sent for `sender`, after a resume each."""
        found = []
        for index, (method, path, body) in enumerate(self.calls):
            if path == f"/conversations/{sender}/trigger_intent":
                previous = self.calls[index - 1]
                assert previous[1] == f"/conversations/{sender}/tracker/events"
                assert previous[2] == [{"event": "resume"}]
                found.append(body)
        return found
