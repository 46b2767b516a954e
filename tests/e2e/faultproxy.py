"""A small HTTP proxy in front of the backend that a test can make misbehave.

The bot's action server talks to the backend through it. A test switches it to
answer an error status, to hang for N seconds (then forward or drop the request),
or to refuse connections as if the backend were not running (case C07). It counts
every request by method and path so a test can assert, for example, that no
complaint was created. It never logs bodies or query strings.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
FORWARD_TIMEOUT = 120.0
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}


@dataclass
class Rule:
    """One fault: what it does, which requests it hits and how many times."""

    kind: str  # "error" | "hang"
    match: str | None = None  # "POST /api/complaints": method and path prefix
    times: int | None = None  # None: until cleared
    status: int = 500
    seconds: float = 0.0
    then: str = "forward"  # after a hang: "forward" or "drop"

    def hits(self, method: str, path: str) -> bool:
        if not self.match:
            return True
        want_method, _, want_path = self.match.partition(" ")
        if not want_path:
            want_method, want_path = "", want_method
        if want_method and want_method.upper() != method:
            return False
        return path.startswith(want_path)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int  # 0 when the connection was dropped
    fault: str  # "" when forwarded untouched


@dataclass
class _State:
    rules: list[Rule] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultProxy:
    """Forward to target_port on 127.0.0.1 unless a fault rule says otherwise."""

    def __init__(self, target_port: int, port: int = 0) -> None:
        self.target_port = target_port
        self.port = port
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> FaultProxy:
        handler = _make_handler(self._state, self.target_port)
        self._server = ThreadingHTTPServer((HOST, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"fault-proxy-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def refusing(self) -> bool:
        return self._server is None

    # --- faults --------------------------------------------------------------------

    def fail(
        self, status: int = 500, match: str | None = None, times: int | None = None
    ) -> None:
        """Answer `status` (with a JSON error body) instead of forwarding."""
        self._add(Rule("error", match=match, times=times, status=status))

    def hang(
        self,
        seconds: float,
        match: str | None = None,
        times: int | None = None,
        then: str = "forward",
    ) -> None:
        """Hold each hit request for `seconds`, then forward it or drop it."""
        if then not in ("forward", "drop"):
            raise ValueError(f"then must be 'forward' or 'drop', not {then!r}")
        self._add(Rule("hang", match=match, times=times, seconds=seconds, then=then))

    def refuse(self) -> None:
        """Close the listening socket: new connections are refused."""
        self.stop()

    def restore(self) -> None:
        """Clear every fault and listen again if connections were refused."""
        with self._state.lock:
            self._state.rules.clear()
        if self.refusing:
            self.start()

    def _add(self, rule: Rule) -> None:
        with self._state.lock:
            self._state.rules.append(rule)

    # --- inspection ------------------------------------------------------------------

    def calls(self, match: str | None = None) -> list[Call]:
        """Requests seen so far, optionally only those a match string selects."""
        probe = Rule("error", match=match)
        with self._state.lock:
            return [c for c in self._state.calls if probe.hits(c.method, c.path)]

    def reset_calls(self) -> None:
        with self._state.lock:
            self._state.calls.clear()


def _make_handler(state: _State, target_port: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            self._handle()

        do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            return  # the request line holds query strings: see _record

        def _handle(self) -> None:
            try:
                self._proxy()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up first

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            rule = self._take_rule(path)

            if rule is not None and rule.kind == "hang":
                time.sleep(rule.seconds)
                if rule.then == "drop":
                    self._record(path, 0, "hang-drop")
                    self.close_connection = True
                    return
            if rule is not None and rule.kind == "error":
                self._record(path, rule.status, "error")
                self._answer_error(rule.status, "injected fault")
                return

            upstream = self._forward(body)
            if upstream is None:
                self._record(path, 502, "hang" if rule else "")
                self._answer_error(502, "backend unreachable")
                return
            status, headers, payload = upstream
            # Counted before the answer leaves, so a client that got it sees the call.
            self._record(path, status, "hang" if rule else "")
            self._answer(status, headers, payload)

        def _take_rule(self, path: str) -> Rule | None:
            with state.lock:
                for rule in state.rules:
                    if not rule.hits(self.command, path):
                        continue
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            state.rules.remove(rule)
                    return rule
            return None

        def _forward(
            self, body: bytes
        ) -> tuple[int, list[tuple[str, str]], bytes] | None:
            """The backend's status, headers and body; None when unreachable."""
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
            }
            connection = http.client.HTTPConnection(
                HOST, target_port, timeout=FORWARD_TIMEOUT
            )
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                upstream = connection.getresponse()
                return upstream.status, upstream.getheaders(), upstream.read()
            except OSError as error:
                logger.warning("fault proxy: backend unreachable: %s", error)
                return None
            finally:
                connection.close()

        def _answer(
            self, status: int, headers: list[tuple[str, str]], payload: bytes
        ) -> None:
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _answer_error(self, status: int, message: str) -> None:
            payload = (
                '{"error": {"code": "injected", "message": "%s", "field": null}}'
                % message
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _record(self, path: str, status: int, fault: str) -> None:
            with state.lock:
                state.calls.append(Call(self.command, path, status, fault))

    return Handler
