"""`POST /api/handoffs/{id}/return` does what the console's button does: refused while
the bot is down, else returned with a note in the log and the bot's greeting, and
says so when the greeting could not be made."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, make_officer
from fake_rasa import FakeRasa
from test_handoffs import act, open_handoff, owner

GREETING = {"name": "EXTERNAL_handoff_returned", "entities": {}}


def claimed(client: TestClient, officer: dict) -> dict[str, Any]:
    handoff = open_handoff(client)
    assert act(client, handoff["id"], "claim", officer["headers"]).status_code == 200
    return handoff


def log_of(client: TestClient, handoff: dict, headers: dict) -> list[tuple[str, str]]:
    found = client.get(f"/api/handoffs/{handoff['id']}", headers=headers).json()
    return [(m["direction"], m["text"]) for m in found["messages"]]


def test_returning_while_the_bot_is_down_is_refused_and_changes_nothing(
    client: TestClient, officers: dict, bot_down: FakeRasa
) -> None:
    officer = officers["IOCL"]
    handoff = claimed(client, officer)
    before = log_of(client, handoff, officer["headers"])

    response = act(client, handoff["id"], "return", officer["headers"])

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "bot_not_running"
    assert "not running" in error["message"] and "stays with you" in error["message"]
    after = client.get(f"/api/handoffs/{handoff['id']}", headers=officer["headers"])
    assert after.json()["status"] == "assigned"
    assert after.json()["ended_at"] is None
    assert owner(client, handoff)["owner"] == "officer"
    assert log_of(client, handoff, officer["headers"]) == before
    assert bot_down.triggered(handoff["sender_id"]) == []

    # Once the bot is back the same request goes through: nothing was lost.
    bot_down.up = True
    again = act(client, handoff["id"], "return", officer["headers"])
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "returned"
    assert again.json()["greeted"] is True


def test_returning_greets_the_citizen_through_the_bot(
    client: TestClient,
    officers: dict,
    rasa: FakeRasa,
    caplog: pytest.LogCaptureFixture,
) -> None:
    officer = officers["IOCL"]
    handoff = claimed(client, officer)
    caplog.set_level(logging.INFO)

    response = act(client, handoff["id"], "return", officer["headers"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == handoff["id"]
    assert body["status"] == "returned"
    assert body["ended_at"] is not None
    assert body["greeted"] is True
    assert rasa.triggered(handoff["sender_id"]) == [GREETING]
    assert owner(client, handoff)["owner"] == "bot"
    assert log_of(client, handoff, officer["headers"])[-1] == (
        "system",
        "returned to the bot",
    )
    changes = [r.getMessage() for r in caplog.records if "state_change" in r.message]
    assert any(
        f"handoff={handoff['id']} from=assigned to=returned actor=officer:" in line
        for line in changes
    ), changes


def test_a_failed_greeting_still_returns_and_says_so(
    client: TestClient,
    officers: dict,
    greeting_fails: FakeRasa,
    caplog: pytest.LogCaptureFixture,
) -> None:
    officer = officers["IOCL"]
    handoff = claimed(client, officer)

    response = act(client, handoff["id"], "return", officer["headers"])

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "returned"
    assert response.json()["greeted"] is False
    assert owner(client, handoff)["owner"] == "bot"
    assert log_of(client, handoff, officer["headers"])[-1] == (
        "system",
        "returned to the bot",
    )
    [failure] = [r for r in caplog.records if "could not greet" in r.getMessage()]
    assert failure.levelno == logging.ERROR
    assert str(handoff["id"]) in failure.getMessage()
    assert handoff["sender_id"] not in failure.getMessage()


def test_the_handoff_table_answers_before_the_bot_is_asked(
    client: TestClient, officers: dict, bot_down: FakeRasa
) -> None:
    """What could never be returned is a 404/403/409, not 'try again later'."""
    officer = officers["IOCL"]
    waiting = open_handoff(client)
    assert act(client, waiting["id"], "return", officer["headers"]).status_code == 409
    handoff = claimed(client, officer)
    other = officers["IOCL2"]
    assert act(client, handoff["id"], "return", other["headers"]).status_code == 403
    outsider = officers["HPCL"]
    assert act(client, handoff["id"], "return", outsider["headers"]).status_code == 404
    assert act(client, handoff["id"], "return", SERVICE).status_code == 403
    assert act(client, 2**31 - 1, "return", officer["headers"]).status_code == 404
    assert act(client, handoff["id"], "return", officer["headers"]).status_code == 503


def test_an_admin_may_return_and_the_bot_greets(
    client: TestClient, officers: dict, rasa: FakeRasa
) -> None:
    handoff = claimed(client, make_officer(client, "IOCL"))

    response = act(client, handoff["id"], "return", ADMIN)

    assert response.status_code == 200, response.text
    assert response.json()["greeted"] is True
    assert rasa.triggered(handoff["sender_id"]) == [GREETING]
