"""Outbound calls: timeouts, bounded retries that honour rate-limit resets, never a
tight loop.

A platform client wraps each call as a blocking function returning an `Outcome`; the
blocking call runs in a worker thread so the event loop keeps acknowledging webhooks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

MIN_WAIT = 1.0


@dataclass
class Outcome:
    """The result of one attempt (or, from `call_with_retries`, of the last one)."""

    ok: bool
    status: int | None = None
    data: Any = None
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool = False
    # Seconds to wait before the next attempt, when the platform said (reset time).
    wait: float | None = None
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    max_wait: float = 900.0
    backoff: float = 2.0

    def delay(self, attempt: int, outcome: Outcome) -> float:
        """Wait before attempt `attempt + 1`: the platform's reset when it gave one,
        else exponential back-off; never less than a second."""
        if outcome.wait is not None:
            return max(MIN_WAIT, outcome.wait)
        return max(MIN_WAIT, self.backoff * (2 ** (attempt - 1)))


Sleep = Callable[[float], Awaitable[None]]


async def call_with_retries(
    attempt: Callable[[], Outcome],
    policy: RetryPolicy,
    what: str,
    sleep: Sleep = asyncio.sleep,
) -> Outcome:
    """Run `attempt` in a thread until it succeeds, fails for good, or the attempts
    or the allowed wait run out. `what` names the call in log lines (ids only)."""
    outcome = Outcome(ok=False, error_code="not_attempted")
    for number in range(1, policy.max_attempts + 1):
        outcome = await asyncio.to_thread(attempt)
        outcome.attempts = number
        if outcome.ok:
            if number > 1:
                logger.info("%s: sent on attempt %d", what, number)
            return outcome
        if not outcome.retryable:
            logger.warning(
                "%s: failed (%s, status %s), not retried",
                what,
                outcome.error_code,
                outcome.status,
            )
            return outcome
        if number == policy.max_attempts:
            break
        delay = policy.delay(number, outcome)
        if delay > policy.max_wait:
            logger.warning(
                "%s: %s; the wait of %.0f s exceeds the limit of %.0f s, giving up",
                what,
                outcome.error_code,
                delay,
                policy.max_wait,
            )
            return outcome
        logger.warning(
            "%s: %s (status %s) on attempt %d; retrying in %.1f s",
            what,
            outcome.error_code,
            outcome.status,
            number,
            delay,
        )
        await sleep(delay)
    logger.error(
        "%s: failed after %d attempts (%s)", what, outcome.attempts, outcome.error_code
    )
    return outcome


def reset_wait(reset_header: str | None, now: float | None = None) -> float | None:
    """Seconds until an epoch-seconds reset header (X's `x-rate-limit-reset`)."""
    if not reset_header:
        return None
    try:
        reset = float(reset_header)
    except ValueError:
        return None
    now = time.time() if now is None else now
    # A second of margin: the platform's clock and ours differ a little.
    return max(MIN_WAIT, reset - now + 1.0)


def retry_after_wait(header: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds."""
    if not header:
        return None
    try:
        return max(MIN_WAIT, float(header))
    except ValueError:
        return None


class TimeoutAdapter(HTTPAdapter):
    """A transport adapter that enforces a timeout on every request and can send
    requests for a platform host to another base URL (a simulator or a proxy)."""

    def __init__(self, timeout: float, base_url: str | None = None) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout
        self.base = urlsplit(base_url) if base_url else None

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.base is not None:
            original = urlsplit(request.url)
            path = self.base.path.rstrip("/") + original.path
            request.url = urlunsplit(
                (self.base.scheme, self.base.netloc, path, original.query, "")
            )
        return super().send(request, **kwargs)
