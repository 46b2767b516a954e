"""One log line per request and per state change, with ids; never personal data."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, complaint_body, key_headers, unique

NAME = "Sunita Devi Kumari"
# A 17-digit LPG ID of its own, so that no other test's complaint makes it a duplicate.
CONSUMER_ID = "71" + str(uuid.uuid4().int)[:15]
PHONE = "9800000000"
WORDS = "delivery boy ne 50 rupaye zyada maange"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_create_logs_ids_and_no_personal_data(
    client: TestClient, logs: pytest.LogCaptureFixture
) -> None:
    body = complaint_body(
        full_name=NAME,
        consumer_id=CONSUMER_ID,
        description=f"{WORDS}, mera number {PHONE}",
        location="Rohtak, near the old bus stand",
    )

    response = client.post(
        "/api/complaints",
        json=body,
        headers=key_headers() | {"X-Request-ID": "req-123"},
    )
    reference = response.json()["reference"]
    client.patch(
        f"/api/complaints/{reference}",
        json={"status": "in_progress", "note": f"called {NAME} on {PHONE}"},
        headers=ADMIN,
    )
    client.get(
        f"/api/complaints/{reference}/status",
        params={"channel": body["channel"], "sender_id": body["sender_id"]},
        headers=SERVICE,
    )

    text = logs.text
    for secret in (NAME, "Sunita", CONSUMER_ID, PHONE, WORDS, "bus stand"):
        assert secret not in text
    request_lines = [
        r.getMessage() for r in logs.records if "request method=" in r.getMessage()
    ]
    assert any(
        "method=POST path=/api/complaints status=201" in line
        and "request_id=req-123" in line
        for line in request_lines
    )
    assert any(
        "path=/api/complaints/{reference}/status status=200" in line
        for line in request_lines
    )
    changes = [
        r.getMessage()
        for r in logs.records
        if r.getMessage().startswith("state_change")
    ]
    assert (
        f"state_change reference={reference} from=- to=submitted actor=service"
        in changes[0]
    )
    assert any(
        f"reference={reference} from=submitted to=in_progress actor=admin" in c
        for c in changes
    )


def test_a_bad_request_does_not_echo_the_input(
    client: TestClient, logs: pytest.LogCaptureFixture
) -> None:
    response = client.post(
        "/api/complaints",
        json=complaint_body(full_name=NAME, consumer_id=f"{CONSUMER_ID}99"),
        headers=key_headers(),
    )
    assert response.status_code == 422
    assert CONSUMER_ID not in response.text and NAME not in response.text
    assert CONSUMER_ID not in logs.text and NAME not in logs.text


def test_handoff_messages_are_not_logged(
    client: TestClient, logs: pytest.LogCaptureFixture
) -> None:
    handoff = client.post(
        "/api/handoffs",
        json={
            "channel": "messenger",
            "sender_id": unique("PSID"),
            "reason": "citizen_asked",
            "language": "hi-Latn",
            "collected": {"full_name": NAME, "consumer_id": CONSUMER_ID},
        },
        headers=SERVICE,
    ).json()
    client.post(
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": f"{WORDS} {PHONE}", "platform_message_id": "m_log_1"},
        headers=SERVICE,
    )
    for secret in (NAME, CONSUMER_ID, PHONE, WORDS):
        assert secret not in logs.text
    assert f"state_change handoff={handoff['id']} from=bot to=waiting" in logs.text


def test_the_request_id_is_echoed_or_made(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = client.get("/healthz")
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert given.headers["X-Request-ID"] == "abc-123"
    assert len(made.headers["X-Request-ID"]) == 32
    assert unsafe.headers["X-Request-ID"] != "bad id\twith spaces"
