"""HTTP clients for the running stack: Rasa's REST channel and API, the backend."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

import requests

logger = logging.getLogger(__name__)

RETRIES = 2
RETRY_PAUSE = 0.5


class BotClient:
    """Talks to Rasa as a citizen (REST channel) and reads its trackers (HTTP API)."""

    def __init__(self, rasa_url: str, token: str, timeout: float = 60.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()

    def say(
        self, sender: str, text: str, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Send one citizen message; the bot's answers to it, in order.

        Not retried: a second delivery would be a second citizen message.
        """
        response = self.session.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout or self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict[str, Any]:
        return self._get(f"/conversations/{quote(sender, safe='')}/tracker")

    def slots(self, sender: str) -> dict[str, Any]:
        return self.tracker(sender).get("slots", {})

    def bot_texts(self, sender: str, after_event: int = 0) -> list[str]:
        """Texts the bot uttered in this conversation from event index after_event."""
        events = self.tracker(sender).get("events", [])[after_event:]
        return [e.get("text") or "" for e in events if e.get("event") == "bot"]

    def event_count(self, sender: str) -> int:
        return len(self.tracker(sender).get("events", []))

    def parse(self, text: str, timeout: float | None = None) -> dict[str, Any]:
        response = self.session.post(
            f"{self.rasa_url}/model/parse",
            params={"token": self.token},
            json={"text": text},
            timeout=timeout or self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def _get(self, path: str) -> dict[str, Any]:
        return _get_json(self.session, f"{self.rasa_url}{path}", {"token": self.token})


class BackendClient:
    """Reads what the backend stored (directly, never through the fault proxy)."""

    def __init__(self, backend_url: str, token: str, timeout: float = 10.0) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def complaints(self, sender_id: str, channel: str = "rest") -> list[dict[str, Any]]:
        """The complaints of one sender, oldest first."""
        body = _get_json(
            self.session,
            f"{self.backend_url}/api/complaints",
            {"sender_id": sender_id, "channel": channel, "limit": 100},
            self.timeout,
        )
        items = body.get("items", [])
        return sorted(items, key=lambda c: (c.get("created_at") or "", c["reference"]))

    def handoffs(self, sender_id: str, channel: str = "rest") -> list[dict[str, Any]]:
        """The handoffs of one sender, oldest first."""
        body = _get_json(
            self.session,
            f"{self.backend_url}/api/handoffs",
            {"sender_id": sender_id, "channel": channel},
            self.timeout,
        )
        items = body.get("items", [])
        return sorted(items, key=lambda h: (h.get("created_at") or "", h.get("id")))

    def healthy(self) -> bool:
        try:
            response = self.session.get(f"{self.backend_url}/healthz", timeout=2)
        except requests.RequestException:
            return False
        return response.status_code == 200


def _get_json(
    session: requests.Session,
    url: str,
    params: dict[str, Any],
    timeout: float = 30.0,
) -> dict[str, Any]:
    """GET with a timeout and a bounded retry on connection trouble."""
    for attempt in range(RETRIES + 1):
        try:
            response = session.get(url, params=params, timeout=timeout)
        except requests.ConnectionError:
            if attempt == RETRIES:
                raise
            logger.warning("GET %s failed; retrying", url.split("?")[0])
            time.sleep(RETRY_PAUSE)
            continue
        response.raise_for_status()
        return response.json()
    raise AssertionError("unreachable")
