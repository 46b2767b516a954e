"""The Facebook Messenger connector (channel `messenger`).

Routes under `/webhooks/messenger/`: `GET webhook` (Meta's subscription check), `POST
webhook` (signed deliveries), `POST send` (a text to a citizen from the backend, guarded
by the service token; Meta's messaging window decides the message type).
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.backend import BackendClient
from bot.channels.delivery import DeliveryResult
from bot.channels.http import RetryPolicy
from bot.channels.messenger_client import MessengerClient, window_decision
from bot.channels.messenger_events import CHANNEL, parse_delivery
from bot.channels.officer_replies import OfficerReplies
from bot.channels.outbox import Outgoing
from bot.channels.runtime import ChannelRuntime
from bot.channels.settings import (
    GRAPH_API_DEFAULT,
    GRAPH_VERSION_DEFAULT,
    CommonSettings,
    env_float,
    pick,
)
from bot.channels.signatures import META_SHA256_HEADER, verify_meta_signature
from bot.channels.store import SendRecord, shared_store
from bot.channels.web import error, parse_send_request, service_token_ok

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


class MessengerInput(InputChannel):
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
        self.settings = settings
        self.common = common
        self.store = shared_store(common.database_url, common.dedup_days)
        policy = RetryPolicy(
            common.max_attempts, common.max_retry_wait, common.retry_backoff
        )
        self.client = MessengerClient(
            settings.graph_url,
            settings.graph_version,
            settings.page_token,
            self.store,
            policy,
            common.http_timeout,
            settings.throttle_wait,
        )
        self.runtime = ChannelRuntime(
            CHANNEL,
            self.store,
            BackendClient(common.backend_url, common.service_token),
            self.client,
            common.queue_idle_seconds,
            common.max_turns,
        )
        self.officer_replies = OfficerReplies(
            CHANNEL, self.runtime.backend, self.send_text, common.officer_poll_seconds
        )

    def get_output_channel(self) -> OutputChannel:
        return self.runtime.output_channel()

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

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        self.runtime.on_new_message = on_new_message
        hook = Blueprint("eseva_messenger_webhook", __name__)

        @hook.listener("after_server_start")
        async def recover(_app: Any, _loop: Any) -> None:
            self.runtime.recover()
            self.officer_replies.start()

        @hook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.officer_replies.stop()

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

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

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            self.runtime.bind_app(request.app)
            body = request.body or b""
            signature = request.headers.get(META_SHA256_HEADER)
            if not verify_meta_signature(body, signature, self.settings.app_secret):
                logger.warning("messenger: delivery with a missing or bad signature")
                return error(401, "bad_signature", "The signature does not match.")
            try:
                payload = request.json
            except Exception:
                return error(400, "bad_json", "The body is not valid JSON.")

            delivery = parse_delivery(
                payload, self.settings.page_id, self.settings.app_id
            )
            new = self.runtime.accept(delivery.messages)
            logger.debug(
                "messenger: delivery with %d messages (%d new), %d echoes, %d other",
                len(delivery.messages),
                new,
                delivery.echoes,
                delivery.ignored,
            )
            return response.text("EVENT_RECEIVED")

        @hook.route("/send", methods=["POST"])
        async def send(request: Request) -> HTTPResponse:
            if not service_token_ok(request, self.common.service_token):
                return error(401, "unauthorized", "A valid service token is required.")
            fields, problem = parse_send_request(request)
            if problem is not None:
                return problem
            result = await self.send_text(
                fields["recipient_id"], fields["text"], fields["human"]
            )
            return response.json(result.as_json(), status=result.http_status)

        return hook


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
