"""Replays of real-format webhook payloads (one JSON file per case in `cases/`) against
both connectors in a running Sanic server, with the simulator as X and Meta and a stub
in place of Rasa. Each file lists what the platform delivers and what must follow:
HTTP statuses, the turns the bot saw, what was sent back and what was stored."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.channels.harness import SERVICE_TOKEN, Stack

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def matches(expected: Any, actual: Any) -> bool:
    """`expected` is contained in `actual`: dicts by their keys, lists item by item
    (same length), strings exactly or, with a `re:` prefix, by regular expression."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key])
            for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual))
        )
    if isinstance(expected, str) and expected.startswith("re:"):
        return (
            isinstance(actual, str)
            and re.search(expected[3:], actual, re.S) is not None
        )
    return expected == actual


def assert_matches(what: str, expected: Any, actual: Any) -> None:
    assert matches(expected, actual), (
        f"{what}:\nexpected {json.dumps(expected, ensure_ascii=False, indent=1)}\n"
        f"actual   {json.dumps(actual, ensure_ascii=False, indent=1, default=str)}"
    )


class Replay:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.acknowledged: list[float] = []

    async def run(self, case: dict[str, Any]) -> None:
        for number, step in enumerate(case["steps"], 1):
            await self.step(number, step)
        self.check(case["expect"])

    async def step(self, number: int, step: dict[str, Any]) -> None:
        stack = self.stack
        if "deliver" in step:
            for attempt in range(step.get("repeat", 1)):
                if attempt:
                    await asyncio.sleep(step.get("pause", 0.0))
                result = await stack.deliver(
                    step["deliver"], step["payload"], step.get("signature", "good")
                )
                self.acknowledged.append(time.monotonic())
                assert result["status"] == step["expect_status"], (number, result)
        elif "settle" in step:
            await stack.settle()
        elif "pause" in step:
            await asyncio.sleep(step["pause"])
        elif "owner" in step:
            owner = step["owner"]
            stack.backend.owners[(owner["channel"], owner["sender_id"])] = {
                "owner": owner["owner"],
                "handoff_id": owner["handoff_id"],
                "officer": None,
            }
        elif "fault" in step:
            async with stack.http.post(
                f"{stack.sim_url}/_sim/faults", json=step["fault"]
            ) as r:
                assert r.status == 200
        elif "last_message_hours_ago" in step:
            target = step["last_message_hours_ago"]
            at = time.time() - target["hours"] * 3600
            stack.x.store.note_inbound(target["channel"], target["sender_id"], at)
        elif "send" in step:
            send = dict(step["send"])
            token = SERVICE_TOKEN if send.pop("token", "good") == "good" else "wrong"
            channel = send.pop("channel")
            async with stack.http.post(
                f"{stack.bot_url}/webhooks/{channel}/send",
                json=send,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                body = await response.json()
                assert response.status == step["expect_status"], (number, body)
            if "expect_body" in step:
                assert_matches(f"step {number} body", step["expect_body"], body)
        elif "expect_now" in step:
            self.check(step["expect_now"])
        else:
            raise AssertionError(f"unknown step {step}")

    def check(self, expect: dict[str, Any]) -> None:
        stack = self.stack
        turns = [
            {"sender_id": t.sender_id, "text": t.text, "metadata": t.metadata}
            for t in stack.bot.turns
        ]
        if "rasa" in expect:
            assert_matches("turns the bot saw", expect["rasa"], turns)
        for fragment in expect.get("rasa_text_never_contains", []):
            assert all(fragment not in t["text"] for t in turns), fragment
        if expect.get("acknowledged_before_turn_finished"):
            assert all(at < stack.bot.turns[0].finished for at in self.acknowledged)
        if "sent" in expect:
            sent = [
                s
                for s in stack.sim_state.sent
                if s["status"] < 300 and s["kind"] != "sender_action"
            ]
            assert_matches("what the platforms received", expect["sent"], sent)
        for recipient, count in expect.get("sent_count", {}).items():
            ok = [
                s
                for s in stack.sim_state.sent
                if s["recipient_id"] == recipient and s["status"] < 300
            ]
            assert len(ok) == count, (recipient, ok)
        for key, count in expect.get("attempts", {}).items():
            platform, recipient = key.split(":", 1)
            calls = [
                s
                for s in stack.sim_state.sent
                if s["platform"] == platform and s["recipient_id"] == recipient
            ]
            assert len(calls) == count, (key, calls)
        if expect.get("rate_limit_honoured"):
            self.check_rate_limits()
        if "complaints" in expect:
            assert stack.bot.complaints == expect["complaints"]
        for key, state in expect.get("states", {}).items():
            channel, message_id = key.split(":", 1)
            assert stack.x.store.state(channel, message_id) == state, key
        if "relayed" in expect:
            # Citizens are processed concurrently: compare per handoff, by message id.
            relayed = sorted(
                stack.backend.relayed,
                key=lambda r: (str(r["handoff_id"]), r["platform_message_id"]),
            )
            assert_matches("relayed to the officer", expect["relayed"], relayed)
        if "send_log" in expect:
            log = stack.x.store.sends()
            recipients = {entry["recipient_id"] for entry in expect["send_log"]}
            log = [entry for entry in log if entry["recipient_id"] in recipients]
            assert_matches("send log", expect["send_log"], log)
        assert stack.bot.overlaps == 0, "two turns of one citizen ran at once"

    def check_rate_limits(self) -> None:
        """After a 429, the next call waited until the reset and at least a second."""
        calls = [s for s in self.stack.sim_state.sent if s["platform"] == "x"]
        limited = [i for i, s in enumerate(calls) if s["status"] == 429]
        assert limited, "no 429 was answered"
        for index in limited:
            following = calls[index + 1]
            assert following["at"] >= calls[index]["reset"]
            assert following["at"] - calls[index]["at"] >= 1.0


@pytest.mark.asyncio
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_replay(path: Path, stack: Stack) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    await Replay(stack).run(case)
