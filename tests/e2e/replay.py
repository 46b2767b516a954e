"""Replay files: one conversation each, what the citizen types and what must happen.

The format is described in tests/replays/README.md. This module loads a file and
checks its shape, so that a mistake in a replay is reported with the file and the
step that holds it, before any conversation is driven.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

LANGUAGES = ("en", "hi", "hi-Latn", "any")
TOP_KEYS = {
    "title",
    "case",
    "language",
    "steps",
    "complaints",
    "handoffs",
    "private",
    "bench",
    "notes",
    "known_failure",
}
STEP_KEYS = {
    "say",
    "fault",
    "reply",
    "no_reply",
    "buttons",
    "language",
    "slots",
    "form",
    "complaints",
    "handoffs",
    "backend_calls",
    "logged",
    "within",
    "sleep",
    "note",
}
PLACEHOLDERS = ("{reference}", "{sender}")
SERVICES = ("backend", "actions", "rasa", "simulator")
FAULT_KINDS = ("error", "hang", "refuse", "restore")
FAULT_KEYS = {"error", "hang", "then", "refuse", "restore", "match", "times"}
MATCHER_KEYS = {"regex", "contains", "any", "filled"}
DEFAULT_TURN_SECONDS = 30.0


class ReplayFormatError(ValueError):
    """A replay file that does not follow the format; the message names the place."""


@dataclass(frozen=True)
class Fault:
    kind: str  # one of FAULT_KINDS
    status: int = 500
    seconds: float = 0.0
    then: str = "forward"
    match: str | None = None
    times: int | None = None


@dataclass
class Step:
    number: int  # 1-based, as a reader counts
    say: str | None = None
    fault: Fault | None = None
    reply: list[Any] = field(default_factory=list)
    no_reply: list[Any] = field(default_factory=list)
    buttons: list[Any] = field(default_factory=list)
    language: str = "any"
    slots: dict[str, Any] = field(default_factory=dict)
    form: Any = "unchecked"  # the active form's name, or None for no form
    complaints: Any = None  # None: not checked; int or list of field matchers
    handoffs: Any = None  # as complaints
    backend_calls: dict[str, int] = field(default_factory=dict)
    logged: list[str] = field(default_factory=list)  # services naming the sender
    within: float | None = None  # seconds: a turn's bound or a wait's patience
    sleep: float = 0.0  # seconds to let background work land before the checks

    @property
    def checks_anything(self) -> bool:
        return bool(
            self.reply
            or self.no_reply
            or self.buttons
            or self.slots
            or self.form != "unchecked"
            or self.complaints is not None
            or self.handoffs is not None
            or self.backend_calls
            or self.logged
        )


@dataclass
class Replay:
    path: Path
    title: str
    language: str
    steps: list[Step]
    case: str | None = None
    complaints: Any = None
    handoffs: Any = None
    private: list[str] = field(default_factory=list)
    bench: bool = False
    # Why the bot fails this replay today (an open issue); the test is then expected to
    # fail, and passes again the day someone removes the key.
    known_failure: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    def says(self) -> list[str]:
        """What the citizen types, in order (the benchmark replays these)."""
        return [s.say for s in self.steps if s.say is not None]

    @property
    def has_faults(self) -> bool:
        return any(s.fault is not None for s in self.steps)


def load_replays(folder: Path) -> list[Replay]:
    """Every `*.yml` replay in folder, sorted by file name."""
    return [load_replay(path) for path in sorted(folder.glob("*.yml"))]


def load_replay(path: Path) -> Replay:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ReplayFormatError(f"{path}: not valid YAML: {error}") from None
    return parse_replay(data, path)


def parse_replay(data: Any, path: Path) -> Replay:
    where = str(path)
    _require(isinstance(data, dict), where, "the file must hold a mapping")
    _no_unknown_keys(data, TOP_KEYS, where)
    title = data.get("title")
    _require(isinstance(title, str) and title.strip(), where, "`title` is required")
    language = data.get("language")
    _require(
        language in LANGUAGES,
        where,
        f"`language` must be one of {', '.join(LANGUAGES)}",
    )
    raw_steps = data.get("steps")
    _require(isinstance(raw_steps, list) and raw_steps, where, "`steps` must be a list")
    steps = [
        _parse_step(raw, number, language, where)
        for number, raw in enumerate(raw_steps, 1)
    ]
    _require(
        any(step.say for step in steps), where, "at least one step must `say` something"
    )
    complaints = data.get("complaints")
    if complaints is not None:
        _check_complaints(complaints, f"{where}: complaints")
    handoffs = data.get("handoffs")
    if handoffs is not None:
        _check_complaints(handoffs, f"{where}: handoffs")
    private = data.get("private", [])
    _require(
        isinstance(private, list)
        and all(isinstance(p, str) and len(p) >= 3 for p in private),
        where,
        "`private` lists texts (3+ characters) no log may contain",
    )
    bench = data.get("bench", False)
    _require(isinstance(bench, bool), where, "`bench` must be true or false")
    case = data.get("case")
    _require(case is None or isinstance(case, str), where, "`case` must be text")
    known_failure = data.get("known_failure")
    _require(
        known_failure is None
        or (isinstance(known_failure, str) and known_failure.strip()),
        where,
        "`known_failure` is the reason, in words",
    )
    return Replay(
        path=path,
        title=title.strip(),
        language=language,
        steps=steps,
        case=case,
        complaints=complaints,
        handoffs=handoffs,
        private=private,
        bench=bench,
        known_failure=known_failure,
    )


def _parse_step(raw: Any, number: int, language: str, file: str) -> Step:
    where = f"{file}: step {number}"
    _require(isinstance(raw, dict), where, "a step must be a mapping")
    _no_unknown_keys(raw, STEP_KEYS, where)
    step = Step(number=number, language=raw.get("language", language))
    _require(
        step.language in LANGUAGES,
        where,
        f"`language` must be one of {', '.join(LANGUAGES)}",
    )

    if "say" in raw:
        say = raw["say"]
        _require(isinstance(say, str) and say != "", where, "`say` must be text")
        step.say = say
    if "fault" in raw:
        step.fault = _parse_fault(raw["fault"], f"{where}: fault")
    for key in ("reply", "no_reply", "buttons"):
        if key in raw:
            setattr(step, key, _parse_text_matchers(raw[key], f"{where}: {key}"))
    if "slots" in raw:
        slots = raw["slots"]
        _require(isinstance(slots, dict) and slots, where, "`slots` must be a mapping")
        for name, matcher in slots.items():
            _check_matcher(matcher, f"{where}: slots: {name}")
        step.slots = slots
    if "form" in raw:
        form = raw["form"]
        _require(
            form is None or (isinstance(form, str) and form),
            where,
            "`form` is the active form's name, or null for none",
        )
        step.form = form
    for key in ("complaints", "handoffs"):
        if key in raw:
            _check_complaints(raw[key], f"{where}: {key}")
            setattr(step, key, raw[key])
    if "logged" in raw:
        logged = raw["logged"]
        logged = [logged] if isinstance(logged, str) else logged
        _require(
            isinstance(logged, list) and logged and set(logged) <= set(SERVICES),
            where,
            f"`logged` names services among {', '.join(SERVICES)}",
        )
        step.logged = logged
    if "sleep" in raw:
        sleep = raw["sleep"]
        _require(
            isinstance(sleep, (int, float)) and 0 < sleep <= 300,
            where,
            "`sleep` is a number of seconds (at most 300)",
        )
        step.sleep = float(sleep)
    if "backend_calls" in raw:
        calls = raw["backend_calls"]
        _require(
            isinstance(calls, dict)
            and all(isinstance(k, str) and type(v) is int for k, v in calls.items()),
            where,
            '`backend_calls` maps "METHOD /path" to a count',
        )
        step.backend_calls = calls
    if "within" in raw:
        within = raw["within"]
        _require(
            isinstance(within, (int, float)) and within > 0,
            where,
            "`within` must be a positive number of seconds",
        )
        step.within = float(within)

    if step.say is None:
        _require(
            step.fault is not None or step.checks_anything,
            where,
            "a step without `say` must inject a `fault` or check something",
        )
        _require(
            not (step.no_reply or step.buttons),
            where,
            "`no_reply` and `buttons` need a `say` in the same step",
        )
    return step


def _parse_fault(raw: Any, where: str) -> Fault:
    _require(isinstance(raw, dict), where, "must be a mapping")
    _no_unknown_keys(raw, FAULT_KEYS, where)
    kinds = [k for k in FAULT_KINDS if k in raw]
    _require(len(kinds) == 1, where, f"exactly one of {', '.join(FAULT_KINDS)}")
    kind = kinds[0]
    match = raw.get("match")
    _require(
        match is None or (isinstance(match, str) and match.strip()),
        where,
        '`match` is "METHOD /path-prefix" or "/path-prefix"',
    )
    times = raw.get("times")
    _require(
        times is None or (type(times) is int and times > 0),
        where,
        "`times` must be a positive whole number",
    )
    if kind == "error":
        status = raw["error"]
        _require(
            type(status) is int and 400 <= status <= 599,
            where,
            "`error` is the HTTP status to answer (400-599)",
        )
        return Fault("error", status=status, match=match, times=times)
    if kind == "hang":
        seconds = raw["hang"]
        _require(
            isinstance(seconds, (int, float)) and seconds > 0,
            where,
            "`hang` is a number of seconds",
        )
        then = raw.get("then", "forward")
        _require(then in ("forward", "drop"), where, "`then` is forward or drop")
        return Fault(
            "hang", seconds=float(seconds), then=then, match=match, times=times
        )
    _require(raw[kind] is True, where, f"write `{kind}: true`")
    _require(
        match is None and times is None,
        where,
        f"`{kind}` takes no `match` or `times`",
    )
    return Fault(kind)


def _parse_text_matchers(raw: Any, where: str) -> list[Any]:
    items = raw if isinstance(raw, list) else [raw]
    _require(items, where, "needs at least one text or {regex: ...}")
    for item in items:
        if isinstance(item, str):
            _require(item.strip() != "", where, "empty text matches everything")
            continue
        _require(
            isinstance(item, dict) and set(item) == {"regex"},
            where,
            "each entry is a text (substring) or {regex: ...}",
        )
        _compile(item["regex"], where)
    return items


def _check_matcher(matcher: Any, where: str) -> None:
    """A slot or field value: a scalar (equal), null (empty) or a matcher mapping."""
    if matcher is None or isinstance(matcher, (str, int, float, bool)):
        return
    _require(isinstance(matcher, dict) and len(matcher) == 1, where, _MATCHER_HELP)
    ((key, value),) = matcher.items()
    _require(key in MATCHER_KEYS, where, _MATCHER_HELP)
    if key == "regex":
        _compile(value, where)
    elif key == "contains":
        _require(isinstance(value, str) and value, where, "`contains` needs text")
    elif key == "any":
        _require(isinstance(value, list) and value, where, "`any` needs a list")
    else:
        _require(isinstance(value, bool), where, "`filled` is true or false")


_MATCHER_HELP = (
    "a value is a scalar, null, or one of {regex: ...}, {contains: ...}, "
    "{any: [...]}, {filled: true|false}"
)


def _check_complaints(raw: Any, where: str) -> None:
    if type(raw) is int:
        _require(raw >= 0, where, "a count cannot be negative")
        return
    _require(
        isinstance(raw, list),
        where,
        "a count, or a list with one mapping of fields per stored complaint",
    )
    for index, fields in enumerate(raw, 1):
        _require(
            isinstance(fields, dict) and fields,
            f"{where}: #{index}",
            "a mapping of field: value",
        )
        for name, matcher in fields.items():
            _check_matcher(matcher, f"{where}: #{index}: {name}")


def _compile(pattern: Any, where: str) -> None:
    _require(isinstance(pattern, str) and pattern, where, "a regex must be text")
    try:
        regex.compile(pattern)
    except regex.error as error:
        raise ReplayFormatError(f"{where}: bad regex {pattern!r}: {error}") from None


def _no_unknown_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise ReplayFormatError(
            f"{where}: unknown key {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )


def _require(condition: Any, where: str, message: str) -> None:
    if not condition:
        raise ReplayFormatError(f"{where}: {message}")
