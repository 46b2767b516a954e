"""What the X and Messenger connectors share around their webhooks.

`PlatformInput` holds the channel store, the message path (`ChannelRuntime`) and the
officer-reply poller, and builds the blueprint's common part: recovery and the poller
started with the server, the poller stopped with it, a health route and the `send`
route for texts outside a Rasa turn, and the signed `POST /webhook` up to the parsed
JSON. Each connector adds its signature check, what it does with a delivery and its
`GET /webhook` check.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.backend import BackendClient
from bot.channels.delivery import DeliveryResult
from bot.channels.http import RetryPolicy
from bot.channels.officer_replies import OfficerReplies
from bot.channels.runtime import ChannelRuntime, Sender
from bot.channels.settings import CommonSettings
from bot.channels.store import shared_store
from bot.channels.web import error, parse_send_request, service_token_ok

logger = logging.getLogger(__name__)


class PlatformInput(InputChannel):
    """A platform's connector: subclasses make their client, call `connect` with it
    and fill in `signed`, `take_delivery` and `add_subscription_check`."""

    runtime: ChannelRuntime
    officer_replies: OfficerReplies

    def __init__(self, common: CommonSettings) -> None:
        self.common = common
        # Made before Rasa forks its workers, so all of them share this time: what
        # was acknowledged earlier belongs to a previous run and is recovered.
        self.started_at = time.time()
        self.store = shared_store(common.database_url, common.dedup_days)
        self.policy = RetryPolicy(
            common.max_attempts, common.max_retry_wait, common.retry_backoff
        )

    def connect(self, sender: Sender) -> None:
        """Build the message path and the officer-reply poller around the platform's
        client."""
        channel = self.name()
        self.runtime = ChannelRuntime(
            channel,
            self.store,
            BackendClient(self.common.backend_url, self.common.service_token),
            sender,
            self.common.queue_idle_seconds,
            self.common.max_turns,
        )
        self.officer_replies = OfficerReplies(
            channel,
            self.runtime.backend,
            self.send_text,
            self.common.officer_poll_seconds,
            self.store,
            self.common.officer_lease_seconds,
        )

    def get_output_channel(self) -> OutputChannel:
        return self.runtime.output_channel()

    async def send_text(
        self, recipient_id: str, text: str, human: bool
    ) -> DeliveryResult:
        """Send a text to a citizen outside a Rasa turn (officer replies, updates)."""
        raise NotImplementedError

    def add_subscription_check(self, hook: Blueprint) -> None:
        """Register the platform's `GET /webhook` check (X's CRC, Meta's
        subscription) on the blueprint."""
        raise NotImplementedError

    def signed(self, request: Request) -> bool:
        """Whether the delivery carries the platform's valid signature over its raw
        bytes."""
        raise NotImplementedError

    def take_delivery(self, payload: Any) -> HTTPResponse:
        """Queue what a signed, parsed delivery holds; the platform's answer."""
        raise NotImplementedError

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        self.runtime.on_new_message = on_new_message
        channel = self.name()
        hook = Blueprint(f"eseva_{channel}_webhook", __name__)

        @hook.listener("after_server_start")
        async def recover(_app: Any, _loop: Any) -> None:
            self.runtime.recover(self.started_at)
            self.officer_replies.start()

        @hook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.officer_replies.stop()

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

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

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            self.runtime.bind_app(request.app)
            if not self.signed(request):
                logger.warning("%s: delivery with a missing or bad signature", channel)
                return error(401, "bad_signature", "The signature does not match.")
            try:
                payload = request.json
            except Exception:
                return error(400, "bad_json", "The body is not valid JSON.")
            return self.take_delivery(payload)

        self.add_subscription_check(hook)
        return hook
