"""The Facebook Messenger connector (channel `messenger`).

Routes under `/webhooks/messenger/`: `GET webhook` (Meta's subscription check), `POST
webhook` (signed deliveries), `POST send` (a text to a citizen from the backend, guarded
by the service token; Meta's messaging window decides the message type). The health
and `send` routes and the listeners are the shared part (bot/channels/connector.py).
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any, Mapping

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.connector import PlatformInput
from bot.channels.delivery import DeliveryResult
from bot.channels.messenger_client import MessengerClient, window_decision
from bot.channels.messenger_events import CHANNEL, parse_delivery
from bot.channels.outbox import Outgoing
from bot.channels.settings import (
    GRAPH_API_DEFAULT,
    GRAPH_VERSION_DEFAULT,
    CommonSettings,
    env_float,
    pick,
)
from bot.channels.signatures import META_SHA256_HEADER, verify_meta_signature
from bot.channels.store import SendRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessengerSettings:
    app_secret: str
    verify_token: str
    page_token: str
    page_id: str
    app_id: str
    graph_url: str
    graph_version: str
    throttle_wait: float

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None
    ) -> "MessengerSettings":
        return cls(
            app_secret=pick(credentials, "app_secret", "ESEVA_MESSENGER_APP_SECRET"),
            verify_token=pick(
                credentials, "verify_token", "ESEVA_MESSENGER_VERIFY_TOKEN"
            ),
            page_token=pick(credentials, "page_token", "ESEVA_MESSENGER_PAGE_TOKEN"),
            page_id=pick(credentials, "page_id", "ESEVA_MESSENGER_PAGE_ID"),
            app_id=pick(credentials, "app_id", "ESEVA_MESSENGER_APP_ID"),
            graph_url=pick(credentials, "graph_url", "ESEVA_GRAPH_API_URL")
            or GRAPH_API_DEFAULT,
            graph_version=pick(credentials, "graph_version", "ESEVA_GRAPH_API_VERSION")
            or GRAPH_VERSION_DEFAULT,
            throttle_wait=env_float("ESEVA_GRAPH_THROTTLE_WAIT", 60.0),
        )


class MessengerInput(PlatformInput):
    """Messenger webhooks in, Graph Send API out."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None
    ) -> "MessengerInput":
        return cls(
            MessengerSettings.from_credentials(credentials), CommonSettings.from_env()
        )

    def __init__(self, settings: MessengerSettings, common: CommonSettings) -> None:
        if not settings.app_secret or not settings.verify_token:
            logger.error(
                "messenger: ESEVA_MESSENGER_APP_SECRET or _VERIFY_TOKEN is empty; "
                "every delivery will be refused"
            )
        super().__init__(common)
        self.settings = settings
        self.client = MessengerClient(
            settings.graph_url,
            settings.graph_version,
            settings.page_token,
            self.store,
            self.policy,
            common.http_timeout,
            settings.throttle_wait,
        )
        self.connect(self.client)

    async def send_text(
        self, recipient_id: str, text: str, human: bool, now: float | None = None
    ) -> DeliveryResult:
        """Send a text to a citizen outside a Rasa turn (officer replies, status
        updates), choosing the message type by the messaging window."""
        now = time.time() if now is None else now
        last = self.store.last_inbound(CHANNEL, recipient_id)
        decision = window_decision(last, now, human)
        if not decision.allowed:
            record = SendRecord(
                channel=CHANNEL,
                recipient_id=recipient_id,
                kind="text",
                status="refused",
                attempts=0,
                chars=len(text),
                error_code=decision.reason,
                error_message="The citizen's messaging window has closed.",
            )
            self.store.record_send(record)
            logger.warning("messenger: send refused (%s)", decision.reason)
            return DeliveryResult(ok=False, records=[record])
        return await self.client.send(
            recipient_id,
            [Outgoing(text=text)],
            None,
            messaging_type=decision.messaging_type,
            tag=decision.tag,
            human=human,
        )

    def signed(self, request: Request) -> bool:
        signature = request.headers.get(META_SHA256_HEADER)
        return verify_meta_signature(
            request.body or b"", signature, self.settings.app_secret
        )

    def take_delivery(self, payload: Any) -> HTTPResponse:
        delivery = parse_delivery(payload, self.settings.page_id, self.settings.app_id)
        new = self.runtime.accept(delivery.messages)
        logger.debug(
            "messenger: delivery with %d messages (%d new), %d echoes, %d other",
            len(delivery.messages),
            new,
            delivery.echoes,
            delivery.ignored,
        )
        return response.text("EVENT_RECEIVED")

    def add_subscription_check(self, hook: Blueprint) -> None:
        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            expected = self.settings.verify_token
            if mode == "subscribe" and expected and _same(token, expected):
                return response.text(challenge)
            logger.warning("messenger: webhook verification refused")
            return response.text("forbidden", status=403)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
