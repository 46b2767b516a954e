"""Bounded retries that honour the platforms' reset times, never a tight loop."""

from __future__ import annotations

import pytest

from bot.channels.http import (
    MIN_WAIT,
    Outcome,
    RetryPolicy,
    call_with_retries,
    reset_wait,
)


class Script:
    """Answers attempts from a list of outcomes and records the sleeps."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.sleeps: list[float] = []

    def attempt(self) -> Outcome:
        self.calls += 1
        return self.outcomes.pop(0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def limited(wait: float | None) -> Outcome:
    return Outcome(
        ok=False, status=429, error_code="rate_limited", retryable=True, wait=wait
    )


@pytest.mark.asyncio
async def test_waits_for_the_reset_then_succeeds() -> None:
    script = Script(limited(60), limited(60), limited(60), Outcome(ok=True))
    outcome = await call_with_retries(
        script.attempt, RetryPolicy(4, 900, 2), "t", script.sleep
    )
    assert outcome.ok and outcome.attempts == 4
    assert script.sleeps == [60, 60, 60]


@pytest.mark.asyncio
async def test_attempts_are_bounded() -> None:
    script = Script(*(limited(None) for _ in range(10)))
    outcome = await call_with_retries(
        script.attempt, RetryPolicy(3, 900, 2), "t", script.sleep
    )
    assert not outcome.ok and script.calls == 3
    assert script.sleeps == [2, 4]  # exponential back-off without a reset time


@pytest.mark.asyncio
async def test_never_a_tight_loop() -> None:
    script = Script(limited(0), limited(-5), Outcome(ok=True))
    await call_with_retries(script.attempt, RetryPolicy(4, 900, 0), "t", script.sleep)
    assert script.sleeps == [MIN_WAIT, MIN_WAIT]


@pytest.mark.asyncio
async def test_permanent_errors_are_not_retried() -> None:
    script = Script(Outcome(ok=False, status=400, error_code="outside_window"))
    outcome = await call_with_retries(
        script.attempt, RetryPolicy(4, 900, 2), "t", script.sleep
    )
    assert (
        outcome.error_code == "outside_window"
        and script.calls == 1
        and script.sleeps == []
    )


@pytest.mark.asyncio
async def test_a_reset_beyond_the_allowed_wait_gives_up() -> None:
    script = Script(limited(3600), Outcome(ok=True))
    outcome = await call_with_retries(
        script.attempt, RetryPolicy(4, 900, 2), "t", script.sleep
    )
    assert not outcome.ok and script.calls == 1 and script.sleeps == []


def test_reset_wait() -> None:
    assert reset_wait("1060", now=1000.0) == 61.0
    assert reset_wait("900", now=1000.0) == MIN_WAIT
    assert reset_wait(None) is None and reset_wait("soon") is None
