"""Replay files: every file in tests/replays/ is valid, and mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .replay import ReplayFormatError, load_replay, parse_replay
from .test_replays import REPLAY_FILES

VALID = {
    "title": "a complaint",
    "language": "en",
    "steps": [{"say": "my cylinder has not come", "reply": ["name"]}],
}


@pytest.mark.parametrize("path", REPLAY_FILES, ids=[p.stem for p in REPLAY_FILES])
def test_every_replay_file_is_valid(path: Path) -> None:
    replay = load_replay(path)
    assert replay.says(), "a replay must say something"


def test_replays_cover_the_conversation_cases() -> None:
    cases = {load_replay(p).case for p in REPLAY_FILES}
    assert {"C01", "C02", "C03", "C04", "C05", "C06", "C07"} <= cases


def test_full_complaints_in_every_language_are_benchmarked() -> None:
    bench = [load_replay(p) for p in REPLAY_FILES if load_replay(p).bench]
    assert {r.language for r in bench} == {"en", "hi", "hi-Latn"}
    assert not any(r.has_faults for r in bench)
    assert all(r.complaints for r in bench)


def test_a_valid_replay_parses() -> None:
    replay = parse_replay(VALID, Path("x.yml"))
    assert replay.title == "a complaint"
    assert replay.steps[0].language == "en"
    assert replay.steps[0].reply == ["name"]


def with_step(step: dict) -> dict:
    return {**VALID, "steps": [VALID["steps"][0], step]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "x.yml: the file must hold a mapping"),
        ({**VALID, "titel": "t"}, "x.yml: unknown key 'titel'"),
        ({**VALID, "title": " "}, "x.yml: `title` is required"),
        ({**VALID, "language": "fr"}, "x.yml: `language` must be one of"),
        ({**VALID, "steps": []}, "x.yml: `steps` must be a list"),
        (with_step({"sya": "hi"}), "x.yml: step 2: unknown key 'sya'"),
        (with_step({"say": ""}), "x.yml: step 2: `say` must be text"),
        (with_step({"note": "x"}), "x.yml: step 2: a step without `say` must"),
        (with_step({"say": "hi", "reply": []}), "step 2: reply: needs at least one"),
        (with_step({"say": "hi", "reply": [""]}), "step 2: reply: empty text"),
        (
            with_step({"say": "hi", "reply": {"regex": "("}}),
            "x.yml: step 2: reply: bad regex '('",
        ),
        (
            with_step({"say": "hi", "slots": {"full_name": {"startswith": "S"}}}),
            "step 2: slots: full_name: a value is a scalar",
        ),
        (
            with_step({"say": "hi", "fault": {"error": 200}}),
            "step 2: fault: `error` is the HTTP status",
        ),
        (
            with_step({"fault": {"error": 500, "hang": 3}}),
            "step 2: fault: exactly one of",
        ),
        (
            with_step({"fault": {"hang": 3, "then": "explode"}}),
            "step 2: fault: `then` is forward or drop",
        ),
        (
            with_step({"fault": {"refuse": True, "times": 2}}),
            "step 2: fault: `refuse` takes no",
        ),
        (
            with_step({"say": "hi", "complaints": [{}]}),
            "step 2: complaints: #1: a mapping",
        ),
        (
            with_step({"say": "hi", "backend_calls": {"POST /api/complaints": "0"}}),
            "step 2: `backend_calls` maps",
        ),
        (with_step({"say": "hi", "within": 0}), "step 2: `within` must be"),
        (
            with_step({"complaints": 1, "no_reply": "x"}),
            "step 2: `no_reply` and `buttons` need a `say`",
        ),
        ({**VALID, "complaints": -1}, "x.yml: complaints: a count cannot"),
        ({**VALID, "bench": "yes"}, "x.yml: `bench` must be true or false"),
    ],
)
def test_mistakes_name_the_file_and_step(data: object, message: str) -> None:
    with pytest.raises(ReplayFormatError) as caught:
        parse_replay(data, Path("x.yml"))
    assert message in str(caught.value)


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReplayFormatError, match="broken.yml: not valid YAML"):
        load_replay(path)


def test_a_file_round_trips_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "ok.yml"
    path.write_text(yaml.safe_dump(VALID, allow_unicode=True), encoding="utf-8")
    assert load_replay(path).name == "ok"
