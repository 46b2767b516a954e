"""Drive one replay through the running stack and check every step."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import regex
import requests

from .clients import BackendClient, BotClient
from .faultproxy import FaultProxy
from .replay import DEFAULT_TURN_SECONDS, Fault, Replay, Step

POLL_SECONDS = 0.5
DEVANAGARI = regex.compile(r"\p{Devanagari}")
LATIN = regex.compile(r"\p{Latin}")


class ReplayFailure(AssertionError):
    """A replay step whose outcome differs from the file: says where and how."""


@dataclass
class Target:
    """What a replay runs against."""

    bot: BotClient
    backend: BackendClient
    proxy: FaultProxy


def run_replay(replay: Replay, target: Target, sender: str) -> None:
    """Play every step of replay as citizen `sender`; raise ReplayFailure on a miss."""
    mark = 0
    for step in replay.steps:
        if step.fault is not None:
            apply_fault(step.fault, target.proxy)
        if step.say is not None:
            problems, texts = _turn(step, target, sender)
        else:
            problems, texts = _wait(step, target, sender, mark)
        if problems:
            raise ReplayFailure(_report(replay, step, problems, texts))
        mark = target.bot.event_count(sender)

    if replay.complaints is not None:
        problems = check_complaints(
            target.backend.complaints(sender), replay.complaints
        )
        if problems:
            raise ReplayFailure(
                f"{replay.path}: after the last step: " + "; ".join(problems)
            )


def apply_fault(fault: Fault, proxy: FaultProxy) -> None:
    if fault.kind == "error":
        proxy.fail(fault.status, match=fault.match, times=fault.times)
    elif fault.kind == "hang":
        proxy.hang(fault.seconds, match=fault.match, times=fault.times, then=fault.then)
    elif fault.kind == "refuse":
        proxy.refuse()
    else:
        proxy.restore()


def _turn(step: Step, target: Target, sender: str) -> tuple[list[str], list[str]]:
    limit = step.within or DEFAULT_TURN_SECONDS
    try:
        messages = target.bot.say(sender, step.say, timeout=limit)
    except requests.Timeout:
        return [f"no answer within {limit:.0f} s"], []
    except requests.RequestException as error:
        return [f"the REST channel failed: {error}"], []

    texts = [m["text"] for m in messages if m.get("text")]
    buttons = [
        f"{b.get('title', '')} {b.get('payload', '')}"
        for m in messages
        for b in m.get("buttons") or []
    ]
    problems = check_texts(texts, step)
    if step.buttons and not any(matches(b, step.buttons) for b in buttons):
        problems.append(
            f"no button matches {step.buttons!r} (buttons: {buttons or 'none'})"
        )
    problems += _state_problems(step, target, sender)
    return problems, texts


def _wait(
    step: Step, target: Target, sender: str, mark: int
) -> tuple[list[str], list[str]]:
    """Poll until the step's checks hold (asynchronous outcomes) or `within` ends."""
    deadline = time.monotonic() + (step.within or DEFAULT_TURN_SECONDS)
    while True:
        texts = target.bot.bot_texts(sender, after_event=mark)
        problems = check_texts(texts, step) + _state_problems(step, target, sender)
        if not problems or time.monotonic() >= deadline:
            return problems, texts
        time.sleep(POLL_SECONDS)


def _state_problems(step: Step, target: Target, sender: str) -> list[str]:
    problems: list[str] = []
    if step.slots:
        problems += check_slots(target.bot.slots(sender), step.slots)
    if step.complaints is not None:
        problems += check_complaints(target.backend.complaints(sender), step.complaints)
    for match, expected in step.backend_calls.items():
        seen = len(target.proxy.calls(match))
        if seen != expected:
            problems.append(f"{match}: {seen} backend calls, expected {expected}")
    return problems


def check_texts(texts: list[str], step: Step) -> list[str]:
    """Problems with the bot's texts against the step's reply expectations."""
    problems = []
    joined = "\n".join(texts)
    if step.reply and not matches(joined, step.reply):
        problems.append(f"the reply matches none of {step.reply!r}")
    for unwanted in step.no_reply:
        if matches(joined, [unwanted]):
            problems.append(f"the reply contains {unwanted!r}, which it must not")
    if texts and not in_language(joined, step.language):
        problems.append(f"the reply is not in the expected language ({step.language})")
    if (step.reply or step.language != "any") and step.say and not texts:
        problems.append("the bot sent no text")
    return problems


def matches(text: str, alternatives: list[Any]) -> bool:
    """True when text holds any alternative (substring, case-insensitive, or regex)."""
    folded = text.casefold()
    for alternative in alternatives:
        if isinstance(alternative, str):
            if alternative.casefold() in folded:
                return True
        elif regex.search(alternative["regex"], text, regex.IGNORECASE):
            return True
    return False


def in_language(text: str, language: str) -> bool:
    """Judge a reply's script: Hindi replies are mostly Devanagari, others Latin."""
    if language == "any":
        return True
    devanagari = len(DEVANAGARI.findall(text))
    latin = len(LATIN.findall(text))
    if language == "hi":
        return devanagari > latin
    return latin >= devanagari


def check_slots(slots: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems = []
    for name, matcher in expected.items():
        if name not in slots:
            problems.append(f"the domain has no slot {name!r}")
            continue
        if not value_matches(slots[name], matcher):
            problems.append(f"slot {name} is {slots[name]!r}, expected {matcher!r}")
    return problems


def check_complaints(stored: list[dict[str, Any]], expected: Any) -> list[str]:
    """Problems with the stored complaints against a count or a list of fields."""
    count = expected if isinstance(expected, int) else len(expected)
    if len(stored) != count:
        refs = [c.get("reference") for c in stored]
        return [f"{len(stored)} complaints stored {refs}, expected {count}"]
    if isinstance(expected, int):
        return []
    problems = []
    for index, (complaint, fields) in enumerate(zip(stored, expected), 1):
        for name, matcher in fields.items():
            actual = complaint.get(name)
            if not value_matches(actual, matcher):
                problems.append(
                    f"complaint #{index} {complaint.get('reference')}: "
                    f"{name} is {actual!r}, expected {matcher!r}"
                )
    return problems


def value_matches(actual: Any, matcher: Any) -> bool:
    """A slot or field value against a replay matcher (see tests/replays/README.md)."""
    if not isinstance(matcher, dict):
        if matcher is None:
            return actual is None
        if isinstance(matcher, str) and actual is not None:
            return str(actual) == matcher
        return actual == matcher
    ((kind, want),) = matcher.items()
    if kind == "filled":
        return (actual not in (None, "", [])) == want
    if actual is None:
        return False
    if kind == "any":
        return any(value_matches(actual, option) for option in want)
    text = str(actual)
    if kind == "contains":
        return want.casefold() in text.casefold()
    return regex.search(want, text, regex.IGNORECASE) is not None


def _report(replay: Replay, step: Step, problems: list[str], texts: list[str]) -> str:
    said = f"say {step.say!r}" if step.say is not None else "waiting"
    lines = [f"{replay.path}: step {step.number} ({said}):"]
    lines += [f"  - {p}" for p in problems]
    lines.append("  bot replied:" if texts else "  bot replied nothing")
    lines += [f"    | {t}" for t in texts]
    return "\n".join(lines)
