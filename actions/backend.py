"""The backend's HTTP API as the bot uses it (docs/architecture.md, "Backend API").

Every call has a timeout, at most `backend_retries` repeats with a short backoff for
connection errors, timeouts and 5xx answers, and an overall deadline, so a citizen
never waits long. Log lines name the path, status and attempt, never a body.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from actions.settings import Settings

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 0.2

OK = "ok"
INVALID = "invalid"  # 400/422: a field the citizen can correct
NOT_FOUND = "not_found"
CONFLICT = "conflict"  # 409: idempotency key used with another body
UNAVAILABLE = "unavailable"  # unreachable, too slow, 5xx, or refusing us


@dataclass(frozen=True)
class BackendReply:
    outcome: str
    status: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def error_field(self) -> str | None:
        error = self.data.get("error")
        return error.get("field") if isinstance(error, dict) else None


class BackendClient:
    def __init__(
        self, settings: Settings, session: requests.Session | None = None
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()

    def create_complaint(
        self, body: dict[str, Any], idempotency_key: str, deadline: float | None = None
    ) -> BackendReply:
        return self._call(
            "POST",
            "/api/complaints",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
            deadline=deadline,
        )

    def complaint_status(
        self, reference: str, channel: str, sender_id: str
    ) -> BackendReply:
        return self._call(
            "GET",
            f"/api/complaints/{quote(reference, safe='')}/status",
            params={"channel": channel, "sender_id": sender_id},
        )

    def complaint(self, reference: str) -> BackendReply:
        """The full view of a complaint (service token), with `overdue`."""
        return self._call("GET", f"/api/complaints/{quote(reference, safe='')}")

    def create_handoff(self, body: dict[str, Any]) -> BackendReply:
        return self._call("POST", "/api/handoffs", json=body)

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> BackendReply:
        settings = self.settings
        budget = settings.submit_deadline if deadline is None else deadline
        ends_at = time.monotonic() + budget
        all_headers = {"Authorization": f"Bearer {settings.service_token}"}
        all_headers.update(headers or {})

        attempts = settings.backend_retries + 1
        for attempt in range(1, attempts + 1):
            remaining = ends_at - time.monotonic()
            if remaining < 0.1:
                break
            try:
                response = self.session.request(
                    method,
                    settings.backend_url + path,
                    json=json,
                    params=params,
                    headers=all_headers,
                    timeout=min(settings.backend_timeout, remaining),
                )
            except requests.RequestException as error:
                logger.warning(
                    "backend %s %s attempt %d/%d failed: %s",
                    method, path, attempt, attempts, type(error).__name__,
                )  # fmt: skip
            else:
                reply = _reply_for(response)
                if reply.outcome != UNAVAILABLE or response.status_code < 500:
                    if reply.outcome == UNAVAILABLE:
                        logger.error(
                            "backend %s %s refused with %d",
                            method, path, response.status_code,
                        )  # fmt: skip
                    return reply
                logger.warning(
                    "backend %s %s attempt %d/%d answered %d",
                    method, path, attempt, attempts, response.status_code,
                )  # fmt: skip
            if attempt < attempts:
                pause = BACKOFF_SECONDS * 2 ** (attempt - 1)
                if time.monotonic() + pause >= ends_at:
                    break
                time.sleep(pause)

        logger.error("backend %s %s unavailable, gave up", method, path)
        return BackendReply(UNAVAILABLE)


def _reply_for(response: requests.Response) -> BackendReply:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {"items": data}

    status = response.status_code
    if 200 <= status < 300:
        return BackendReply(OK, status, data)
    if status in (400, 422):
        return BackendReply(INVALID, status, data)
    if status == 404:
        return BackendReply(NOT_FOUND, status, data)
    if status == 409:
        return BackendReply(CONFLICT, status, data)
    return BackendReply(UNAVAILABLE, status, data)
