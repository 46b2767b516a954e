"""The X (Twitter) direct-message connector (channel `x`).

Routes under `/webhooks/x/`: `GET webhook?crc_token=` (X's challenge-response check),
`POST webhook` (signed deliveries: DMs and posts mentioning the desk), `POST send` (a
text to a citizen from the backend, guarded by the service token). The health and
`send` routes and the listeners are the shared part (bot/channels/connector.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import store as states
from bot.channels.connector import PlatformInput
from bot.channels.delivery import DeliveryResult
from bot.channels.outbox import Outgoing
from bot.channels.public_replies import public_reply
from bot.channels.settings import X_API_DEFAULT, CommonSettings, pick
from bot.channels.signatures import verify_x_signature, x_crc_response
from bot.channels.web import error
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


class XInput(PlatformInput):
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
        super().__init__(common)
        self.settings = settings
        self.client = XClient(
            settings.consumer_key,
            settings.consumer_secret,
            settings.access_token,
            settings.access_token_secret,
            self.store,
            self.policy,
            settings.api_url,
            settings.quick_replies,
            common.http_timeout,
        )
        self.connect(self.client)
        self.runtime.extra_handlers[Mention.__name__] = self._answer_mention

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

    def signed(self, request: Request) -> bool:
        return verify_x_signature(
            request.body or b"",
            request.headers,
            self.settings.consumer_secret,
            self.settings.oauth2_client_secret,
        )

    def take_delivery(self, payload: Any) -> HTTPResponse:
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

    def add_subscription_check(self, hook: Blueprint) -> None:
        @hook.route("/webhook", methods=["GET"])
        async def crc(request: Request) -> HTTPResponse:
            token = request.args.get("crc_token")
            if not token:
                return error(400, "missing_crc_token", "crc_token is required.")
            if not self.settings.crc_secret:
                logger.error("x: CRC check received but no consumer secret is set")
                return error(503, "not_configured", "The X secret is not configured.")
            return response.json(x_crc_response(self.settings.crc_secret, token))
