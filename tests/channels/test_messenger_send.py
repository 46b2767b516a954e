"""Messenger message shaping within the limits, the messaging window, Graph errors."""

from __future__ import annotations

from bot.channels.messenger_client import (
    HUMAN_AGENT_SECONDS,
    WINDOW_SECONDS,
    build_messages,
    classify_error,
    window_decision,
)
from bot.channels.outbox import Outgoing
from bot.channels.text import Option

HOUR = 3600.0


def test_long_text_is_split_under_2000() -> None:
    text = "सिलेंडर नहीं आया। " * 300
    bodies = build_messages(Outgoing(text=text))
    assert len(bodies) > 1
    assert all(len(body["text"]) <= 2000 for body in bodies)


def test_quick_replies_at_most_13_titles_at_most_20() -> None:
    options = [Option(f"Distributor choice {i} long", f"/p{i}") for i in range(15)]
    [body] = build_messages(Outgoing(text="Choose", options=options))
    assert len(body["quick_replies"]) == 13
    assert all(
        len(q["title"]) <= 20 and q["content_type"] == "text"
        for q in body["quick_replies"]
    )


def test_buttons_template_at_most_3_and_640_characters() -> None:
    text = "Please confirm the details. " * 40
    bodies = build_messages(
        Outgoing(
            text=text,
            options=[Option("Yes", "/affirm"), Option("No", "/deny")],
            buttons=True,
        )
    )
    template = bodies[-1]["attachment"]["payload"]
    assert template["template_type"] == "button"
    assert len(template["text"]) <= 640
    assert [b["payload"] for b in template["buttons"]] == ["/affirm", "/deny"]
    assert all(len(b.get("text", "")) <= 2000 for b in bodies[:-1])
    # More than three buttons become quick replies rather than being dropped.
    four = [Option(str(i), f"/p{i}") for i in range(4)]
    [body] = build_messages(Outgoing(text="Pick", options=four, buttons=True))
    assert len(body["quick_replies"]) == 4


def test_window_policy() -> None:
    now = 1_000_000.0
    inside = window_decision(now - 23 * HOUR, now, human=False)
    assert (inside.allowed, inside.messaging_type, inside.tag) == (
        True,
        "RESPONSE",
        None,
    )
    assert window_decision(now - 23 * HOUR, now, human=True).tag is None
    human = window_decision(now - 30 * HOUR, now, human=True)
    assert (human.allowed, human.messaging_type, human.tag) == (
        True,
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    automated = window_decision(now - 30 * HOUR, now, human=False)
    assert not automated.allowed and automated.reason == "outside_window"
    late = window_decision(now - HUMAN_AGENT_SECONDS - 1, now, human=True)
    assert not late.allowed
    assert window_decision(now - WINDOW_SECONDS, now, human=False).allowed
    assert window_decision(None, now, human=False).messaging_type == "RESPONSE"


def test_graph_errors() -> None:
    window = classify_error(
        400,
        {"error": {"code": 10, "error_subcode": 2018278, "message": "(#10) outside"}},
        {},
    )
    assert window.error_code == "outside_window" and not window.retryable
    blocked = classify_error(
        400, {"error": {"code": 551, "error_subcode": 1545041}}, {}
    )
    assert blocked.error_code == "recipient_unavailable" and not blocked.retryable
    throttled = classify_error(400, {"error": {"code": 613}}, {"Retry-After": "30"})
    assert throttled.retryable and throttled.wait == 30
    assert classify_error(500, None, {}).retryable
    assert classify_error(400, {"error": {"code": 100}}, {}).error_code == "graph_100"
