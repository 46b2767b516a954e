"""Logging: one line per request and per state change, with the request id.

Lines carry ids and codes only (reference, handoff id, officer id, request id), never
a citizen's name, consumer ID, phone number or message text.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from typing import Any

import regex
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = regex.compile(r"[A-Za-z0-9._:\-]{1,128}")
SCOPE_KEY = "eseva.request_id"
_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


def configure(level: str = "INFO") -> None:
    """Send the `eseva` loggers to stderr unless the host application set up logging."""
    package = logging.getLogger("eseva")
    package.setLevel(level.upper())
    if logging.getLogger().handlers or package.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    package.addHandler(handler)


def log_state_change(
    kind: str, ident: str, source: str | None, target: str, actor: str
) -> None:
    """One line per change of a complaint's or a handoff's status."""
    logger.info(
        "state_change %s=%s from=%s to=%s actor=%s request_id=%s",
        kind,
        ident,
        source or "-",
        target,
        actor,
        current_request_id(),
    )


class RequestLogMiddleware:
    """Gives each request an id (the client's `X-Request-ID` when it is safe),
    echoes it, refuses oversized bodies, and logs one line when the answer is sent."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = dict(scope.get("headers") or [])
        given = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        # For the last-resort error handler, which runs outside this middleware.
        scope[SCOPE_KEY] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            if self._too_large(headers):
                await _send_too_large(send_with_id, self.max_body_bytes)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            logger.info(
                "request method=%s path=%s status=%s duration_ms=%.1f request_id=%s",
                scope.get("method"),
                path,
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )
            _request_id.reset(token)

    def _too_large(self, headers: dict[bytes, bytes]) -> bool:
        length = headers.get(b"content-length")
        if length is None:
            return False
        try:
            return int(length) > self.max_body_bytes
        except ValueError:
            return True


async def _send_too_large(send: Any, limit: int) -> None:
    body = (
        '{"error": {"code": "too_large", "message": "The body is larger than '
        f'{limit} bytes.", "field": "body"}}}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
