"""Handoffs: who owns the conversation, claiming, the message log, the table."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, file_complaint, make_officer, unique
from eseva.handoffs import HANDOFF_TRANSITIONS

HANDOFF_STATUSES = [
    "waiting",
    "assigned",
    "returned",
    "closed",
    "timed_out",
    "cancelled",
]
ACTIONS = [t.action for t in HANDOFF_TRANSITIONS]


def open_handoff(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "channel": "messenger",
        "sender_id": unique("PSID"),
        "reason": "citizen_asked",
        "priority": "normal",
        "language": "hi-Latn",
        "collected": {"full_name": "Sunita Devi", "service_agency": "Indane agency"},
        **overrides,
    }
    response = client.post("/api/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


def owner(client: TestClient, handoff: dict[str, Any]) -> dict[str, Any]:
    url = f"/api/conversations/{handoff['channel']}/{handoff['sender_id']}/owner"
    return client.get(url, headers=SERVICE).json()


def act(client: TestClient, handoff_id: int, action: str, headers: dict) -> Any:
    return client.post(f"/api/handoffs/{handoff_id}/{action}", headers=headers)


def test_a_conversation_without_handoff_belongs_to_the_bot(client: TestClient) -> None:
    url = f"/api/conversations/x/{unique('x')}/owner"
    assert client.get(url, headers=SERVICE).json() == {
        "owner": "bot",
        "handoff_id": None,
        "officer": None,
    }


def test_the_whole_way_round(client: TestClient, officers: dict) -> None:
    """C12: after the handoff the bot stays quiet until the officer returns it."""
    handoff = open_handoff(client)
    officer = officers["IOCL"]
    assert handoff["status"] == "waiting"
    assert handoff["company"] == "IOCL"
    assert owner(client, handoff) == {
        "owner": "waiting",
        "handoff_id": handoff["id"],
        "officer": None,
    }

    for pmid, text in (("m_1", "hello?"), ("m_2", "kab tak jawab milega?")):
        relayed = client.post(
            f"/api/handoffs/{handoff['id']}/messages",
            json={"text": text, "platform_message_id": pmid},
            headers=SERVICE,
        )
        assert relayed.status_code == 201
        assert relayed.json()["direction"] == "citizen"
        assert relayed.json()["delivery_status"] == "received"

    claimed = act(client, handoff["id"], "claim", officer["headers"])
    assert claimed.status_code == 200
    assert claimed.json()["officer"]["username"] == officer["username"]
    assert owner(client, handoff) == {
        "owner": "officer",
        "handoff_id": handoff["id"],
        "officer": officer["display_name"],
    }

    reply = client.post(
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "Aapka cylinder kal tak pahunch jayega."},
        headers=officer["headers"],
    )
    assert reply.status_code == 201
    assert reply.json()["direction"] == "officer"
    assert reply.json()["delivery_status"] == "pending"
    assert reply.json()["officer"] == officer["username"]

    returned = act(client, handoff["id"], "return", officer["headers"])
    assert returned.json()["status"] == "returned"
    assert returned.json()["ended_at"] is not None
    assert returned.json()["greeted"] is True
    assert owner(client, handoff)["owner"] == "bot"

    log = client.get(
        f"/api/handoffs/{handoff['id']}", headers=officer["headers"]
    ).json()
    assert [m["direction"] for m in log["messages"]] == [
        "system",
        "citizen",
        "citizen",
        "officer",
        "system",
    ]
    assert [m["text"] for m in log["messages"][1:3]] == [
        "hello?",
        "kab tak jawab milega?",
    ]


def test_one_active_handoff_per_conversation(
    client: TestClient, officers: dict
) -> None:
    first = open_handoff(client)
    again = client.post(
        "/api/handoffs",
        json={
            "channel": first["channel"],
            "sender_id": first["sender_id"],
            "reason": "emergency",
            "priority": "urgent",
            "language": "hi",
        },
        headers=SERVICE,
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["priority"] == "urgent"  # raised, not lowered

    officer = officers["IOCL"]
    act(client, first["id"], "claim", officer["headers"])
    act(client, first["id"], "close", officer["headers"])
    later = open_handoff(client, channel=first["channel"], sender_id=first["sender_id"])
    assert later["id"] != first["id"]


def test_a_repeated_platform_message_is_stored_once(client: TestClient) -> None:
    handoff = open_handoff(client)
    url = f"/api/handoffs/{handoff['id']}/messages"
    body = {"text": "hello?", "platform_message_id": "m_TEST_0001"}
    first = client.post(url, json=body, headers=SERVICE)
    second = client.post(url, json=body, headers=SERVICE)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    citizen = client.get(url, params={"direction": "citizen"}, headers=SERVICE).json()
    assert len(citizen) == 1


def test_an_officer_replies_only_to_a_claimed_handoff(
    client: TestClient, officers: dict
) -> None:
    handoff = open_handoff(client)
    url = f"/api/handoffs/{handoff['id']}/messages"
    before = client.post(
        url, json={"text": "Namaste"}, headers=officers["IOCL"]["headers"]
    )
    assert before.status_code == 409

    act(client, handoff["id"], "claim", officers["IOCL"]["headers"])
    colleague = client.post(
        url, json={"text": "Namaste"}, headers=officers["IOCL2"]["headers"]
    )
    assert colleague.status_code == 409
    assert colleague.json()["error"]["code"] == "not_yours"


def test_the_service_cannot_speak_as_an_officer(client: TestClient) -> None:
    handoff = open_handoff(client)
    response = client.post(
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "I am the officer", "direction": "officer"},
        headers=SERVICE,
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "direction"


def test_delivery_failures_are_recorded(client: TestClient, officers: dict) -> None:
    """C13: a reply outside Messenger's window is marked failed, visibly."""
    handoff = open_handoff(client)
    officer = officers["IOCL"]
    act(client, handoff["id"], "claim", officer["headers"])
    reply = client.post(
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "Your complaint is resolved."},
        headers=officer["headers"],
    ).json()
    url = f"/api/handoffs/{handoff['id']}/messages/{reply['id']}"

    failed = client.patch(
        url,
        json={"delivery_status": "failed", "delivery_error": "outside_window"},
        headers=SERVICE,
    )
    assert failed.status_code == 200
    pending = client.get(
        f"/api/handoffs/{handoff['id']}/messages",
        params={"delivery_status": "failed"},
        headers=officer["headers"],
    ).json()
    assert [(m["id"], m["delivery_error"]) for m in pending] == [
        (reply["id"], "outside_window")
    ]
    sent = client.patch(url, json={"delivery_status": "sent"}, headers=SERVICE)
    assert sent.json()["delivery_status"] == "sent"
    again = client.patch(url, json={"delivery_status": "failed"}, headers=SERVICE)
    assert again.status_code == 409
    by_officer = client.patch(
        url, json={"delivery_status": "sent"}, headers=officer["headers"]
    )
    assert by_officer.status_code == 403


def test_messages_after_the_end_are_refused(client: TestClient) -> None:
    handoff = open_handoff(client)
    act(client, handoff["id"], "cancel", SERVICE)
    response = client.post(
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "hello"},
        headers=SERVICE,
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "handoff_ended"


def test_the_claim_conflict_names_who_has_it(
    client: TestClient, officers: dict
) -> None:
    handoff = open_handoff(client)
    first, second = officers["IOCL"], officers["IOCL2"]
    assert act(client, handoff["id"], "claim", first["headers"]).status_code == 200

    response = act(client, handoff["id"], "claim", second["headers"])

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_claimed"
    assert first["username"] in error["message"]
    assert act(client, handoff["id"], "return", second["headers"]).status_code == 403


def test_the_admin_token_cannot_claim(client: TestClient) -> None:
    handoff = open_handoff(client)
    assert act(client, handoff["id"], "claim", ADMIN).status_code == 403


def drive_handoff(client: TestClient, status: str, officer: dict) -> dict[str, Any]:
    handoff = open_handoff(client)
    steps = {
        "waiting": [],
        "assigned": [("claim", officer["headers"])],
        "returned": [("claim", officer["headers"]), ("return", officer["headers"])],
        "closed": [("claim", officer["headers"]), ("close", officer["headers"])],
        "timed_out": [("timeout", SERVICE)],
        "cancelled": [("cancel", SERVICE)],
    }[status]
    for action, headers in steps:
        assert act(client, handoff["id"], action, headers).status_code == 200
    return handoff


def headers_for(action: str, officer: dict) -> dict:
    who = next(t.who for t in HANDOFF_TRANSITIONS if t.action == action)
    return SERVICE if who.startswith("service") else officer["headers"]


@pytest.mark.parametrize("status", HANDOFF_STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status(
    client: TestClient, officers: dict, status: str, action: str
) -> None:
    officer = officers["IOCL"]
    handoff = drive_handoff(client, status, officer)
    rule = next(t for t in HANDOFF_TRANSITIONS if t.action == action)

    response = act(client, handoff["id"], action, headers_for(action, officer))

    if rule.source == status:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == rule.target
    else:
        assert response.status_code == 409, response.text
        after = client.get(f"/api/handoffs/{handoff['id']}", headers=SERVICE).json()
        assert after["status"] == status


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("cancel", "officer"),
        ("timeout", "officer"),
        ("claim", "service"),
        ("close", "service"),
    ],
)
def test_actions_by_the_wrong_caller_are_403(
    client: TestClient, officers: dict, action: str, who: str
) -> None:
    officer = officers["IOCL"]
    status = next(t.source for t in HANDOFF_TRANSITIONS if t.action == action)
    handoff = drive_handoff(client, status, officer)
    headers = SERVICE if who == "service" else officer["headers"]
    assert act(client, handoff["id"], action, headers).status_code == 403


def test_an_admin_may_time_out_and_close(client: TestClient, officers: dict) -> None:
    waiting = open_handoff(client)
    assert act(client, waiting["id"], "timeout", ADMIN).status_code == 200
    assigned = drive_handoff(client, "assigned", officers["IOCL"])
    assert act(client, assigned["id"], "close", ADMIN).status_code == 200


def test_company_comes_from_the_complaint_when_words_say_nothing(
    client: TestClient,
) -> None:
    complaint = file_complaint(client, service_agency="HP Gas agency")
    handoff = open_handoff(
        client,
        reason="overdue_repeat",
        complaint_reference=complaint["reference"],
        collected={},
    )
    assert handoff["company"] == "HPCL"
    assert handoff["complaint_reference"] == complaint["reference"]


def test_unrouted_handoffs_are_the_ministrys(
    client: TestClient, officers: dict
) -> None:
    handoff = open_handoff(client, collected={"description": "gas ki problem"})
    assert handoff["company"] is None
    url = f"/api/handoffs/{handoff['id']}"
    assert client.get(url, headers=officers["IOCL"]["headers"]).status_code == 404
    assert client.get(url, headers=officers["MOPNG"]["headers"]).status_code == 200


def test_urgent_handoffs_come_first_with_a_pickup_time(client: TestClient) -> None:
    officer = make_officer(client, "AGCL")
    normal = open_handoff(client, collected={"service_agency": "Assam Gas"})
    urgent = open_handoff(
        client,
        reason="emergency",
        priority="urgent",
        collected={"service_agency": "Assam Gas"},
    )
    listed = client.get(
        "/api/handoffs", params={"status": "waiting"}, headers=officer["headers"]
    ).json()["items"]
    assert [h["id"] for h in listed] == [urgent["id"], normal["id"]]
    assert urgent["pickup_due"] < normal["pickup_due"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "bored"}, "reason"),
        ({"channel": "sms"}, "channel"),
        ({"collected": {"password": "x"}}, "collected.password"),
        ({"collected": {"full_name": "x" * 121}}, "collected.full_name"),
        ({"sender_id": "a\x00b"}, "sender_id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_handoff_bodies(client: TestClient, change: dict, field: str) -> None:
    body = {
        "channel": "x",
        "sender_id": unique("x"),
        "reason": "citizen_asked",
        "language": "en",
    } | change
    response = client.post("/api/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    if field != "sender_id":
        nothing = owner(client, {"channel": "x", "sender_id": body["sender_id"]})
        assert nothing["owner"] == "bot"


def test_a_consumer_id_that_failed_validation_can_be_handed_over(
    client: TestClient,
) -> None:
    handoff = open_handoff(
        client,
        reason="validation_failed",
        collected={"consumer_id": "passbook ghar pe"},
    )
    assert handoff["collected"]["consumer_id"] == "passbook ghar pe"
