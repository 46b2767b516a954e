"""Drive one replay through the running stack and check every step."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
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
    log_dir: Path | None = None  # the stack's logs, for the privacy checks


def run_replay(replay: Replay, target: Target, sender: str) -> None:
    """Play every step of replay as citizen `sender`; raise ReplayFailure on a miss."""
    log_start = log_sizes(target.log_dir)
    mark = 0
    for step in replay.steps:
        if step.fault is not None:
            apply_fault(step.fault, target.proxy)
        if step.say is not None:
            text = fill_placeholders(step.say, target, sender)
            problems, texts = _turn(step, text, target, sender)
        else:
            problems, texts = _wait(step, target, sender, mark)
        if problems:
            raise ReplayFailure(_report(replay, step, problems, texts))
        mark = target.bot.event_count(sender)

    problems = []
    if replay.complaints is not None:
        stored = target.backend.complaints(sender)
        problems += check_complaints(stored, replay.complaints)
    if replay.handoffs is not None:
        stored = target.backend.handoffs(sender)
        problems += check_complaints(stored, replay.handoffs, "handoff")
    if replay.private and target.log_dir is not None:
        problems += check_logs_private(target.log_dir, replay.private, log_start)
    if problems:
        raise ReplayFailure(
            f"{replay.path}: after the last step:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def fill_placeholders(text: str, target: Target, sender: str) -> str:
    """Put this run's values into `{reference}` (the latest complaint) and `{sender}`."""
    if "{reference}" in text:
        stored = target.backend.complaints(sender)
        if not stored:
            raise ReplayFailure(f"{{reference}} in {text!r} but nothing was stored")
        text = text.replace("{reference}", stored[-1]["reference"])
    return text.replace("{sender}", sender)


def log_sizes(log_dir: Path | None) -> dict[str, int]:
    """Where each log ends now, so a replay checks only what it caused."""
    if log_dir is None:
        return {}
    return {log.name: log.stat().st_size for log in log_dir.glob("*.log")}


def check_logs_private(
    log_dir: Path, private: list[str], start: dict[str, int] | None = None
) -> list[str]:
    """Which private texts of the replay a service logged (after `start` offsets)."""
    problems = []
    for log in sorted(log_dir.glob("*.log")):
        with log.open("rb") as handle:
            handle.seek((start or {}).get(log.name, 0))
            content = handle.read().decode("utf-8", errors="replace")
        for secret in private:
            if secret in content:
                problems.append(f"{log.name} contains the citizen's {secret!r}")
    return problems


def apply_fault(fault: Fault, proxy: FaultProxy) -> None:
    if fault.kind == "error":
        proxy.fail(fault.status, match=fault.match, times=fault.times)
    elif fault.kind == "hang":
        proxy.hang(fault.seconds, match=fault.match, times=fault.times, then=fault.then)
    elif fault.kind == "refuse":
        proxy.refuse()
    else:
        proxy.restore()


def _turn(
    step: Step, text: str, target: Target, sender: str
) -> tuple[list[str], list[str]]:
    limit = step.within or DEFAULT_TURN_SECONDS
    try:
        messages = target.bot.say(sender, text, timeout=limit)
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
    if step.sleep:
        time.sleep(step.sleep)
    problems += _state_problems(step, target, sender)
    return problems, texts


def _wait(
    step: Step, target: Target, sender: str, mark: int
) -> tuple[list[str], list[str]]:
    """Poll until the step's checks hold (asynchronous outcomes) or `within` ends."""
    if step.sleep:
        time.sleep(step.sleep)
    deadline = time.monotonic() + (step.within or DEFAULT_TURN_SECONDS)
    while True:
        texts = target.bot.bot_texts(sender, after_event=mark)
        problems = check_texts(texts, step) + _state_problems(step, target, sender)
        if not problems or time.monotonic() >= deadline:
            return problems, texts
        time.sleep(POLL_SECONDS)


def _state_problems(step: Step, target: Target, sender: str) -> list[str]:
    problems: list[str] = []
    if step.slots or step.form != "unchecked":
        tracker = target.bot.tracker(sender)
        problems += check_slots(tracker.get("slots", {}), step.slots)
        if step.form != "unchecked":
            active = (tracker.get("active_loop") or {}).get("name")
            if active != step.form:
                problems.append(
                    f"the active form is {active!r}, expected {step.form!r}"
                )
    if step.complaints is not None:
        problems += check_complaints(target.backend.complaints(sender), step.complaints)
    if step.handoffs is not None:
        stored = target.backend.handoffs(sender)
        problems += check_complaints(stored, step.handoffs, "handoff")
    for service in step.logged:
        if target.log_dir is None:
            continue
        log = target.log_dir / f"{service}.log"
        content = log.read_text(errors="replace") if log.exists() else ""
        if sender not in content:
            problems.append(f"{service}.log does not name the conversation {sender}")
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


def check_complaints(
    stored: list[dict[str, Any]], expected: Any, kind: str = "complaint"
) -> list[str]:
    """Problems with stored records against a count or a list of fields."""
    count = expected if isinstance(expected, int) else len(expected)
    if len(stored) != count:
        ids = [c.get("reference") or c.get("id") for c in stored]
        return [f"{len(stored)} {kind}s stored {ids}, expected {count}"]
    if isinstance(expected, int):
        return []
    problems = []
    for index, (complaint, fields) in enumerate(zip(stored, expected), 1):
        for name, matcher in fields.items():
            actual = complaint.get(name)
            if not value_matches(actual, matcher):
                problems.append(
                    f"{kind} #{index} {complaint.get('reference') or complaint.get('id')}: "
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
