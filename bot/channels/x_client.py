"""Sending on X with tweepy: DMs (v2, or v1.1 with quick-reply options when
configured), public replies; rate limits waited out until `x-rate-limit-reset`."""

from __future__ import annotations

import logging
from typing import Any, Callable

import requests
import tweepy

from bot.channels.delivery import DeliveryResult
from bot.channels.http import (
    Outcome,
    RetryPolicy,
    TimeoutAdapter,
    call_with_retries,
    reset_wait,
)
from bot.channels.outbox import Outgoing
from bot.channels.settings import X_API_DEFAULT
from bot.channels.store import ChannelStore, SendRecord
from bot.channels.text import (
    X_DM_LIMIT,
    X_LABEL_LIMIT,
    X_QUICK_REPLIES,
    limit_options,
    numbered_options,
    split_text,
)

logger = logging.getLogger(__name__)

CHANNEL = "x"
# tweepy logs request bodies (the bot's words) at DEBUG; keep them out of the logs.
logging.getLogger("tweepy").setLevel(logging.INFO)


def outcome_from_error(error: Exception) -> Outcome:
    """A tweepy or requests failure as an Outcome."""
    if isinstance(error, tweepy.TooManyRequests):
        headers = error.response.headers if error.response is not None else {}
        return Outcome(
            ok=False,
            status=429,
            error_code="rate_limited",
            error_message="; ".join(error.api_messages)[:300] or "Too Many Requests",
            retryable=True,
            wait=reset_wait(headers.get("x-rate-limit-reset")),
        )
    if isinstance(error, tweepy.Forbidden):
        return Outcome(
            ok=False,
            status=403,
            error_code="forbidden",
            error_message=_api_message(error, "The recipient cannot receive this."),
        )
    if isinstance(error, tweepy.TwitterServerError):
        return Outcome(
            ok=False,
            status=error.response.status_code if error.response is not None else 500,
            error_code="platform_unavailable",
            error_message=_api_message(error, "X server error"),
            retryable=True,
        )
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status_code if error.response is not None else None
        return Outcome(
            ok=False,
            status=status,
            error_code=f"http_{status}",
            error_message=_api_message(error, "X refused the request"),
        )
    if isinstance(error, (requests.RequestException, tweepy.TweepyException)):
        return Outcome(ok=False, error_code="connection_failed", retryable=True)
    raise error


def _api_message(error: tweepy.HTTPException, default: str) -> str:
    codes = ",".join(str(code) for code in error.api_codes)
    text = "; ".join(error.api_messages) or default
    return (f"[{codes}] {text}" if codes else text)[:300]


class XClient:
    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        store: ChannelStore,
        policy: RetryPolicy,
        api_url: str = X_API_DEFAULT,
        quick_replies: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.policy = policy
        self.quick_replies = quick_replies
        self.v2 = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
        )
        auth = tweepy.OAuth1UserHandler(
            consumer_key, consumer_secret, access_token, access_token_secret
        )
        self.v1 = tweepy.API(auth, timeout=timeout)
        # tweepy builds https://api.twitter.com URLs itself: the adapter adds a timeout
        # to every call and, when a base URL is configured, sends them there instead.
        base = None if api_url.rstrip("/") == X_API_DEFAULT else api_url
        for session in (self.v2.session, self.v1.session):
            session.mount("https://api.twitter.com", TimeoutAdapter(timeout, base))

    @property
    def numbered_options(self) -> bool:
        """Whether options are shown as a numbered list (v2 has no quick replies)."""
        return not self.quick_replies

    async def send(
        self,
        recipient_id: str,
        messages: list[Outgoing],
        in_reply_to: str | None,
        human: bool = False,
    ) -> DeliveryResult:
        result = DeliveryResult()
        for outgoing in messages:
            for text, options in self._parts(outgoing):
                kind = "quick_replies" if options else "text"
                outcome = await call_with_retries(
                    lambda text=text, options=options: self._dm(
                        recipient_id, text, options
                    ),
                    self.policy,
                    f"x DM in reply to {in_reply_to or '-'}",
                )
                record = self._record(recipient_id, kind, text, outcome, in_reply_to)
                result.records.append(record)
                if not outcome.ok:
                    result.ok = False
                    return result
        return result

    async def reply_publicly(
        self, tweet_id: str, author_id: str, text: str
    ) -> DeliveryResult:
        outcome = await call_with_retries(
            lambda: self._call(
                lambda: self.v2.create_tweet(text=text, in_reply_to_tweet_id=tweet_id),
                lambda response: (response.data or {}).get("id"),
            ),
            self.policy,
            f"x public reply to post {tweet_id}",
        )
        record = self._record(author_id, "tweet", text, outcome, tweet_id)
        return DeliveryResult(ok=outcome.ok, records=[record])

    def _parts(self, message: Outgoing) -> list[tuple[str, list[dict[str, str]]]]:
        text = message.text
        if message.image_url:
            text = f"{text}\n{message.image_url}".strip()
        options = limit_options(message.options, X_QUICK_REPLIES, X_LABEL_LIMIT)
        if options and not self.quick_replies:
            text = f"{text}\n\n{numbered_options(options)}".strip()
            options = []
        parts = split_text(text, X_DM_LIMIT)
        if not parts:
            return []
        quick = [{"label": o.title, "metadata": o.payload} for o in options]
        return [(part, []) for part in parts[:-1]] + [(parts[-1], quick)]

    def _dm(
        self, recipient_id: str, text: str, options: list[dict[str, str]]
    ) -> Outcome:
        if options:
            return self._call(
                lambda: self.v1.send_direct_message(
                    recipient_id, text, quick_reply_options=options
                ),
                lambda message: getattr(message, "id", None),
            )
        return self._call(
            lambda: self.v2.create_direct_message(
                participant_id=recipient_id, text=text
            ),
            lambda response: (response.data or {}).get("dm_event_id"),
        )

    @staticmethod
    def _call(call: Callable[[], Any], message_id: Callable[[Any], Any]) -> Outcome:
        try:
            answer = call()
        except Exception as error:  # tweepy and requests failures, mapped below
            return outcome_from_error(error)
        identifier = message_id(answer)
        return Outcome(ok=True, data={"id": str(identifier) if identifier else None})

    def _record(
        self,
        recipient_id: str,
        kind: str,
        text: str,
        outcome: Outcome,
        in_reply_to: str | None,
    ) -> SendRecord:
        record = SendRecord(
            channel=CHANNEL,
            recipient_id=recipient_id,
            kind=kind,
            status="sent" if outcome.ok else "failed",
            attempts=outcome.attempts,
            chars=len(text),
            in_reply_to=in_reply_to,
            platform_message_id=(outcome.data or {}).get("id") if outcome.ok else None,
            error_code=None if outcome.ok else outcome.error_code,
            error_message=None if outcome.ok else outcome.error_message,
        )
        self.store.record_send(record)
        return record
