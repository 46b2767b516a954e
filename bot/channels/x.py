"""The X (Twitter) direct-message connector (channel `x`).

Routes under `/webhooks/x/`: `GET webhook?crc_token=` (X's challenge-response check),
`POST webhook` (signed deliveries: DMs and posts mentioning the desk), `POST send` (a
text to a citizen from the backend, guarded by the service token).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import store as states
from bot.channels.backend import BackendClient
from bot.channels.delivery import DeliveryResult
from bot.channels.http import RetryPolicy
from bot.channels.officer_replies import OfficerReplies
from bot.channels.outbox import Outgoing
from bot.channels.public_replies import public_reply
from bot.channels.runtime import ChannelRuntime
from bot.channels.settings import X_API_DEFAULT, CommonSettings, pick
from bot.channels.signatures import verify_x_signature, x_crc_response
from bot.channels.store import shared_store
from bot.channels.web import error, parse_send_request, service_token_ok
from bot.channels.x_client import XClient
from bot.channels.x_events import CHANNEL, Mention, parse_delivery

logger = logging.getLogger(__name__)

# Posts are de-duplicated apart from DMs, under their own channel key.
MENTIONS = "x-post"


@dataclass(frozen=True)
class XSettings:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    oauth2_client_secret: str
    user_id: str
    app_id: str
    api_url: str
    quick_replies: bool

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> "XSettings":
        quick = pick(credentials, "quick_replies", "ESEVA_X_QUICK_REPLIES").lower()
        return cls(
            consumer_key=pick(credentials, "consumer_key", "ESEVA_X_CONSUMER_KEY"),
            consumer_secret=pick(
                credentials, "consumer_secret", "ESEVA_X_CONSUMER_SECRET"
            ),
            access_token=pick(credentials, "access_token", "ESEVA_X_ACCESS_TOKEN"),
            access_token_secret=pick(
                credentials, "access_token_secret", "ESEVA_X_ACCESS_TOKEN_SECRET"
            ),
            oauth2_client_secret=pick(
                credentials, "oauth2_client_secret", "ESEVA_X_OAUTH2_CLIENT_SECRET"
            ),
            user_id=pick(credentials, "user_id", "ESEVA_X_USER_ID"),
            app_id=pick(credentials, "app_id", "ESEVA_X_APP_ID"),
            api_url=pick(credentials, "api_url", "ESEVA_X_API_URL") or X_API_DEFAULT,
            quick_replies=quick in {"1", "true", "yes", "on"},
        )

    @property
    def crc_secret(self) -> str:
        """The CRC answer uses the same secret as the signatures X sends."""
        return self.oauth2_client_secret or self.consumer_secret


class XInput(InputChannel):
    """X webhooks in, tweepy out."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> "XInput":
        return cls(XSettings.from_credentials(credentials), CommonSettings.from_env())

    def __init__(self, settings: XSettings, common: CommonSettings) -> None:
        if not settings.consumer_secret or not settings.user_id:
            logger.error(
                "x: ESEVA_X_CONSUMER_SECRET or ESEVA_X_USER_ID is empty; every "
                "delivery will be refused"
            )
        self.settings = settings
        self.common = common
        self.store = shared_store(common.database_url, common.dedup_days)
        policy = RetryPolicy(
            common.max_attempts, common.max_retry_wait, common.retry_backoff
        )
        self.client = XClient(
            settings.consumer_key,
            settings.consumer_secret,
            settings.access_token,
            settings.access_token_secret,
            self.store,
            policy,
            settings.api_url,
            settings.quick_replies,
            common.http_timeout,
        )
        self.runtime = ChannelRuntime(
            CHANNEL,
            self.store,
            BackendClient(common.backend_url, common.service_token),
            self.client,
            common.queue_idle_seconds,
            common.max_turns,
        )
        self.runtime.extra_handlers[Mention.__name__] = self._answer_mention
        self.officer_replies = OfficerReplies(
            CHANNEL, self.runtime.backend, self.send_text, common.officer_poll_seconds
        )

    def get_output_channel(self) -> OutputChannel:
        return self.runtime.output_channel()

    async def send_text(
        self, recipient_id: str, text: str, human: bool
    ) -> DeliveryResult:
        """Send a DM to a citizen outside a Rasa turn (officer replies, updates)."""
        return await self.client.send(recipient_id, [Outgoing(text=text)], None, human)

    def accept_mentions(self, mentions: list[Mention]) -> int:
        new = 0
        for mention in mentions:
            if not self.store.claim(MENTIONS, mention.tweet_id, mention.author_id):
                logger.info(
                    "x: duplicate delivery of post %s ignored", mention.tweet_id
                )
                continue
            self.runtime.submit(mention.author_id, mention)
            new += 1
        return new

    async def _answer_mention(self, mention: Mention) -> None:
        text = public_reply(mention.text, self.settings.user_id)
        result = await self.client.reply_publicly(
            mention.tweet_id, mention.author_id, text
        )
        state = states.ANSWERED if result.ok else states.UNANSWERED
        self.store.finish(MENTIONS, mention.tweet_id, state)
        logger.info("x: public reply to post %s: %s", mention.tweet_id, state)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        self.runtime.on_new_message = on_new_message
        hook = Blueprint("eseva_x_webhook", __name__)

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
        async def crc(request: Request) -> HTTPResponse:
            token = request.args.get("crc_token")
            if not token:
                return error(400, "missing_crc_token", "crc_token is required.")
            if not self.settings.crc_secret:
                logger.error("x: CRC check received but no consumer secret is set")
                return error(503, "not_configured", "The X secret is not configured.")
            return response.json(x_crc_response(self.settings.crc_secret, token))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            self.runtime.bind_app(request.app)
            body = request.body or b""
            if not verify_x_signature(
                body,
                request.headers,
                self.settings.consumer_secret,
                self.settings.oauth2_client_secret,
            ):
                logger.warning("x: delivery with a missing or bad signature")
                return error(401, "bad_signature", "The signature does not match.")
            try:
                payload = request.json
            except Exception:
                return error(400, "bad_json", "The body is not valid JSON.")

            delivery = parse_delivery(
                payload,
                self.settings.user_id,
                self.settings.app_id,
                numbered_options=self.client.numbered_options,
            )
            new = self.runtime.accept(delivery.messages)
            posts = self.accept_mentions(delivery.mentions)
            logger.debug(
                "x: delivery with %d DMs (%d new), %d posts (%d new), %d echoes",
                len(delivery.messages),
                new,
                len(delivery.mentions),
                posts,
                delivery.echoes,
            )
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

        return hook
