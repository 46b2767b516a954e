"""The replay runner against scripted stand-ins for Rasa and the backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from .replay import parse_replay
from .runner import (
    ReplayFailure,
    Target,
    check_complaints,
    in_language,
    matches,
    run_replay,
    value_matches,
)


class FakeBot:
    """Answers each citizen message from a script and keeps slots per turn."""

    def __init__(self, script: list[tuple[list[str], dict[str, Any]]]) -> None:
        self.script = list(script)
        self.state: dict[str, Any] = {"full_name": None, "consumer_id": None}
        self.events: list[dict[str, Any]] = []
        self.heard: list[str] = []
        self.later: list[str] = []  # texts the bot utters on its own after a poll

    def say(self, sender: str, text: str, timeout: float) -> list[dict[str, Any]]:
        if text == "slow":
            raise requests.Timeout()
        self.heard.append(text)
        texts, slots = self.script.pop(0)
        self.state.update(slots)
        self.events.append({"event": "user", "text": text})
        self.events += [{"event": "bot", "text": t} for t in texts]
        return [{"recipient_id": sender, "text": t} for t in texts]

    def tracker(self, sender: str) -> dict[str, Any]:
        form = {"name": "complaint_form"} if self.state.get("requested_slot") else {}
        return {"slots": dict(self.state), "active_loop": form, "events": self.events}

    def event_count(self, sender: str) -> int:
        return len(self.events)

    def bot_texts(self, sender: str, after_event: int = 0) -> list[str]:
        if self.later:
            self.events.append({"event": "bot", "text": self.later.pop(0)})
        return [e["text"] for e in self.events[after_event:] if e["event"] == "bot"]


class FakeBackend:
    def __init__(self) -> None:
        self.stored: list[dict[str, Any]] = []
        self.handed_off: list[dict[str, Any]] = []

    def complaints(self, sender_id: str, channel: str = "rest") -> list[dict]:
        return list(self.stored)

    def handoffs(self, sender_id: str, channel: str = "rest") -> list[dict]:
        return list(self.handed_off)


class FakeProxy:
    def __init__(self) -> None:
        self.actions: list[tuple] = []

    def fail(self, status: int, match: str | None, times: int | None) -> None:
        self.actions.append(("fail", status, match, times))

    def hang(self, seconds: float, match: str | None, times: int | None, then: str):
        self.actions.append(("hang", seconds, then))

    def refuse(self) -> None:
        self.actions.append(("refuse",))

    def restore(self) -> None:
        self.actions.append(("restore",))

    def calls(self, match: str | None = None) -> list[object]:
        return [object()] * sum(1 for a in self.actions if a[0] == "fail")


def target(
    bot: FakeBot, backend: FakeBackend | None = None, log_dir: Path | None = None
) -> Target:
    return Target(
        bot=bot, backend=backend or FakeBackend(), proxy=FakeProxy(), log_dir=log_dir
    )


def replay(steps: list[dict], **extra: Any):
    data = {"title": "t", "language": "en", "steps": steps, **extra}
    return parse_replay(data, Path("tests/replays/demo.yml"))


def test_a_matching_conversation_passes() -> None:
    bot = FakeBot(
        [
            (["Sorry about that. What is your name?"], {}),
            (["Thanks Sunita. Your LPG ID?"], {"full_name": "Sunita Devi"}),
        ]
    )
    backend = FakeBackend()
    backend.stored = [{"reference": "MOPNG-2026-000001", "full_name": "Sunita Devi"}]
    steps = [
        {
            "say": "cylinder not delivered",
            "reply": ["your name"],
            "slots": {"full_name": None},
        },
        {"say": "Sunita Devi", "slots": {"full_name": "Sunita Devi"}},
    ]

    run_replay(
        replay(steps, complaints=[{"full_name": {"contains": "sunita"}}]),
        target(bot, backend),
        "s1",
    )

    assert bot.heard == ["cylinder not delivered", "Sunita Devi"]


def test_a_wrong_slot_fails_naming_file_step_and_reply() -> None:
    bot = FakeBot([(["Your LPG ID?"], {"consumer_id": "9800000000"})])
    steps = [{"say": "I am Sunita", "slots": {"consumer_id": "71000000123456789"}}]

    with pytest.raises(ReplayFailure) as caught:
        run_replay(replay(steps), target(bot), "s1")

    message = str(caught.value)
    assert "tests/replays/demo.yml: step 1 (say 'I am Sunita')" in message
    assert "slot consumer_id is '9800000000', expected '71000000123456789'" in message
    assert "| Your LPG ID?" in message


def test_an_unwanted_reply_and_a_wrong_language_fail() -> None:
    bot = FakeBot([(["आपका नाम क्या है?"], {})])
    steps = [{"say": "hello", "no_reply": ["नाम"], "language": "en"}]

    with pytest.raises(ReplayFailure) as caught:
        run_replay(replay(steps), target(bot), "s1")

    assert "must not" in str(caught.value)
    assert "not in the expected language (en)" in str(caught.value)


def test_a_turn_without_an_answer_in_time_fails() -> None:
    with pytest.raises(ReplayFailure, match="no answer within 5 s"):
        run_replay(replay([{"say": "slow", "within": 5}]), target(FakeBot([])), "s1")


def test_a_missing_slot_is_reported_as_a_domain_problem() -> None:
    bot = FakeBot([(["ok"], {})])
    with pytest.raises(ReplayFailure, match="the domain has no slot 'outlet'"):
        run_replay(replay([{"say": "x", "slots": {"outlet": None}}]), target(bot), "s")


def test_a_wait_step_polls_for_what_the_bot_says_later() -> None:
    bot = FakeBot([(["Saved; we will register it when the system is back."], {})])
    bot.later = ["Your complaint is registered: MOPNG-2026-000007"]
    fake = target(bot)
    steps = [
        {"fault": {"refuse": True}, "say": "yes", "reply": "saved"},
        {
            "fault": {"restore": True},
            "reply": {"regex": r"MOPNG-\d{4}-\d{6}"},
            "within": 2,
        },
    ]

    run_replay(replay(steps), fake, "s1")

    assert fake.proxy.actions == [("refuse",), ("restore",)]


def test_a_wait_step_gives_up_after_within() -> None:
    bot = FakeBot([(["ok"], {})])
    steps = [{"say": "yes"}, {"reply": "MOPNG", "within": 0.6}]
    with pytest.raises(ReplayFailure, match=r"step 2 \(waiting\)"):
        run_replay(replay(steps), target(bot), "s1")


def test_backend_call_counts_are_checked() -> None:
    bot = FakeBot([(["Nothing was filed."], {})])
    steps = [
        {
            "fault": {"error": 500},
            "say": "cancel",
            "backend_calls": {"POST /api/complaints": 0},
        }
    ]
    with pytest.raises(ReplayFailure, match="1 backend calls, expected 0"):
        run_replay(replay(steps), target(bot), "s1")


def test_the_final_complaint_count_is_checked() -> None:
    bot = FakeBot([(["ok"], {})])
    backend = FakeBackend()
    backend.stored = [{"reference": "MOPNG-2026-000001"}]
    with pytest.raises(
        ReplayFailure, match=r"after the last step:\n  - 1 complaints stored"
    ):
        run_replay(replay([{"say": "x"}], complaints=0), target(bot, backend), "s")


@pytest.mark.parametrize(
    ("actual", "matcher", "expected"),
    [
        ("Sunita Devi", "Sunita Devi", True),
        ("Sunita", "Sunita Devi", False),
        (None, None, True),
        ("", None, False),
        (71000000123456789, "71000000123456789", True),
        (True, True, True),
        ("Rohtak, Haryana", {"contains": "rohtak"}, True),
        (None, {"contains": "rohtak"}, False),
        ("IOCL", {"any": ["IOCL", "BPCL"]}, True),
        ("HPCL", {"any": ["IOCL", "BPCL"]}, False),
        ("MOPNG-2026-000123", {"regex": r"^MOPNG-\d{4}-\d{6}$"}, True),
        ("x", {"filled": True}, True),
        ("", {"filled": True}, False),
        (None, {"filled": False}, True),
    ],
)
def test_value_matchers(actual: Any, matcher: Any, expected: bool) -> None:
    assert value_matches(actual, matcher) is expected


def test_text_matchers_and_language() -> None:
    assert matches("Please tell me your NAME", ["name"])
    assert matches("कृपया अपना नाम बताइए", ["naam", "नाम"])
    assert matches("ref MOPNG-2026-000001", [{"regex": r"mopng-\d+"}])
    assert not matches("hello", ["name", {"regex": "^x"}])
    assert in_language("कृपया अपना नाम बताइए (Sunita)", "hi")
    assert not in_language("Please tell me your name", "hi")
    assert in_language("Aapka naam kya hai? रोहतक", "hi-Latn")
    assert in_language("anything", "any")


def test_complaints_are_compared_in_order() -> None:
    stored = [
        {"reference": "A", "category": "lpg_delivery"},
        {"reference": "B", "category": "pump_quality"},
    ]
    assert check_complaints(stored, 2) == []
    assert check_complaints(stored, [{"category": "lpg_delivery"}, {}]) == []
    problems = check_complaints(stored, [{"category": "pump_quality"}, {}])
    assert problems == [
        "complaint #1 A: category is 'lpg_delivery', expected 'pump_quality'"
    ]


def test_form_handoffs_and_placeholders() -> None:
    bot = FakeBot(
        [
            (["Your name?"], {"requested_slot": "full_name"}),
            (["Status: in progress"], {"requested_slot": None}),
        ]
    )
    backend = FakeBackend()
    backend.stored = [{"reference": "MOPNG-2026-000042"}]
    backend.handed_off = [{"id": 7, "reason": "citizen_asked"}]
    steps = [
        {"say": "complaint", "form": "complaint_form"},
        {"say": "status of {reference} for {sender}", "form": None},
    ]

    run_replay(
        replay(steps, handoffs=[{"reason": "citizen_asked"}]),
        target(bot, backend),
        "s9",
    )

    assert bot.heard[1] == "status of MOPNG-2026-000042 for s9"


def test_a_wrong_form_and_handoff_count_fail() -> None:
    bot = FakeBot([(["Your name?"], {"requested_slot": "full_name"})])
    with pytest.raises(ReplayFailure, match="the active form is 'complaint_form'"):
        run_replay(replay([{"say": "x", "form": None}]), target(bot), "s")
    bot = FakeBot([(["ok"], {})])
    with pytest.raises(ReplayFailure, match="0 handoffs stored"):
        run_replay(replay([{"say": "x", "handoffs": 1}]), target(bot), "s")


def test_private_texts_in_a_log_fail_and_the_sender_must_be_logged(
    tmp_path: Path,
) -> None:
    (tmp_path / "actions.log").write_text("submit failed for conversation s5\n")
    (tmp_path / "rasa.log").write_text("an earlier replay logged 71000000123456789\n")
    bot = FakeBot([(["ok"], {}), (["ok"], {})])

    def say_and_leak(sender: str, text: str, timeout: float) -> list[dict]:
        with (tmp_path / "rasa.log").open("a") as log:
            log.write("parsed message 'I am Sunita Devi'\n")
        return FakeBot.say(bot, sender, text, timeout)

    bot.say = say_and_leak  # type: ignore[method-assign]

    with pytest.raises(ReplayFailure) as caught:
        run_replay(
            replay(
                [{"say": "yes", "logged": "actions"}],
                private=["Sunita Devi", "71000000123456789"],
            ),
            target(bot, log_dir=tmp_path),
            "s5",
        )

    assert "rasa.log contains the citizen's 'Sunita Devi'" in str(caught.value)
    assert "71000000123456789" not in str(caught.value)  # logged before this replay
    assert "actions.log contains" not in str(caught.value)
    with pytest.raises(ReplayFailure, match="backend.log does not name"):
        run_replay(
            replay([{"say": "yes", "logged": "backend"}]),
            target(bot, log_dir=tmp_path),
            "s5",
        )


def test_a_reference_placeholder_without_a_complaint_fails() -> None:
    with pytest.raises(ReplayFailure, match="nothing was stored"):
        run_replay(replay([{"say": "status of {reference}"}]), target(FakeBot([])), "s")
