"""Rasa's HTTP API as the backend uses it: transcripts, and giving a conversation back.

Every call has a timeout and a bounded retry on connection trouble; failures are
logged with the conversation id only, never a citizen's words.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from eseva.config import Settings

logger = logging.getLogger(__name__)

RETRIES = 1
RETRY_PAUSE = 0.3
RETURNED_INTENT = "EXTERNAL_handoff_returned"
TIMED_OUT_INTENT = "EXTERNAL_handoff_timed_out"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


@dataclass(frozen=True)
class Turn:
    """One turn of the bot's transcript: who spoke, what, when (epoch seconds)."""

    speaker: str  # "citizen" or "bot"
    text: str
    at: float


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        return cls(settings.rasa_url, settings.rasa_token, settings.rasa_timeout)

    def _call(
        self, method: str, path: str, body: Any = None, params: dict | None = None
    ) -> Any:
        query = {"token": self.token, **(params or {})}
        last: Exception | None = None
        for attempt in range(RETRIES + 1):
            try:
                response = httpx.request(
                    method,
                    f"{self.base_url}{path}",
                    params=query,
                    json=body,
                    timeout=self.timeout,
                )
            except httpx.TransportError as error:
                last = error
                if attempt < RETRIES:
                    time.sleep(RETRY_PAUSE)
                continue
            if response.status_code >= 400:
                raise RasaUnavailable(f"Rasa answered {response.status_code}")
            return response.json() if response.content else None
        raise RasaUnavailable(f"Rasa is not reachable ({type(last).__name__})")

    def is_running(self) -> bool:
        try:
            self._call("GET", "/status")
        except RasaUnavailable as error:
            logger.warning("rasa: status check failed: %s", error)
            return False
        return True

    def transcript(self, sender_id: str) -> list[Turn]:
        """The citizen's and the bot's turns, oldest first."""
        data = self._call("GET", f"/conversations/{quote(sender_id, safe='')}/tracker")
        turns: list[Turn] = []
        for event in (data or {}).get("events") or []:
            kind = event.get("event")
            text = event.get("text")
            if kind not in ("user", "bot") or not text:
                continue
            speaker = "citizen" if kind == "user" else "bot"
            turns.append(Turn(speaker, str(text), float(event.get("timestamp") or 0)))
        return turns

    def hand_back(
        self, sender_id: str, intent: str, entities: dict[str, str] | None = None
    ) -> None:
        """Resume the conversation, then make the bot speak through its channel."""
        path = f"/conversations/{quote(sender_id, safe='')}"
        self._call("POST", f"{path}/tracker/events", [{"event": "resume"}])
        self._call(
            "POST",
            f"{path}/trigger_intent",
            {"name": intent, "entities": entities or {}},
            {"output_channel": "latest"},
        )
        logger.info("rasa: conversation %s handed back (%s)", sender_id, intent)
