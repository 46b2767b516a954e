"""Bad input of each kind gets a 4xx JSON error naming the field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, complaint_body, file_complaint, key_headers, unique

BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    # wrong types
    ("name-number", {"full_name": 12345}, "full_name"),
    ("name-list", {"full_name": ["Sunita"]}, "full_name"),
    ("consumer-number-type", {"consumer_id": 71000000123456789}, "consumer_id"),
    ("priority-bool", {"priority": True}, "priority"),
    ("sender-null", {"sender_id": None}, "sender_id"),
    # unknown fields
    ("unknown", {"aadhaar": "123412341234"}, "aadhaar"),
    ("unknown-status", {"status": "closed"}, "status"),
    # absurd lengths (after trimming)
    ("name-long", {"full_name": "S" * 121}, "full_name"),
    ("name-short", {"full_name": " S "}, "full_name"),
    ("location-long", {"location": "R" * 301}, "location"),
    ("agency-long", {"service_agency": "A" * 201}, "service_agency"),
    ("outlet-long", {"outlet_details": "O" * 1001}, "outlet_details"),
    ("description-long", {"description": "D" * 5001}, "description"),
    ("sender-long", {"sender_id": "9" * 129}, "sender_id"),
    ("sender-empty", {"sender_id": "   "}, "sender_id"),
    # control characters
    ("name-nul", {"full_name": "Sunita\x00Devi"}, "full_name"),
    ("description-escape", {"description": "text \x1b[31m red"}, "description"),
    ("location-bidi", {"location": "Rohtak\u202e"}, "location"),
    ("name-newline", {"full_name": "Sunita\nDevi"}, "full_name"),
    # invalid enum values
    ("language", {"language": "fr"}, "language"),
    ("channel", {"channel": "sms"}, "channel"),
    ("category", {"category": "lpg_everything"}, "category"),
    ("priority", {"priority": "high"}, "priority"),
    ("company-format", {"company": "iocl"}, "company"),
    ("company-unknown", {"company": "NOSUCH"}, "company"),
    # identifiers
    ("consumer-letters", {"consumer_id": "71000ABC"}, "consumer_id"),
    ("consumer-16-digits", {"consumer_id": "1234567890123456"}, "consumer_id"),
    ("consumer-phone", {"consumer_id": "+91 98000 00000"}, "consumer_id"),
]


def total_for(client: TestClient, sender_id: str) -> int:
    response = client.get(
        "/api/complaints", params={"sender_id": sender_id}, headers=ADMIN
    )
    return response.json()["total"]


@pytest.mark.parametrize(
    ("change", "field"),
    [(c, f) for _, c, f in BAD_BODIES],
    ids=[i for i, _, _ in BAD_BODIES],
)
def test_bad_complaint_bodies_are_refused(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    sender = unique("PSID")
    body = complaint_body(sender_id=sender) | change
    headers = key_headers()

    response = client.post("/api/complaints", json=body, headers=headers)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] == "invalid"
    assert error["message"]
    # Nothing was written: the sender has no complaint and the key is still free.
    assert total_for(client, sender) == 0
    good = client.post("/api/complaints", json=complaint_body(), headers=headers)
    assert good.status_code == 201


def test_a_missing_field_is_named(client: TestClient) -> None:
    body = complaint_body()
    del body["location"]
    response = client.post("/api/complaints", json=body, headers=key_headers())
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "This field is required.",
        "field": "location",
    }


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"full_name": "Sunita"'])
def test_broken_json_is_a_400(client: TestClient, raw: bytes) -> None:
    response = client.post(
        "/api/complaints",
        content=raw,
        headers=key_headers() | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.json()["error"]["field"] == "body"


def test_invalid_utf8_is_refused_without_a_crash(client: TestClient) -> None:
    response = client.post(
        "/api/complaints",
        content=b'{"full_name": "\xff\xfe"}',
        headers=key_headers() | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_a_body_that_is_not_an_object(client: TestClient) -> None:
    response = client.post("/api/complaints", json=[1, 2], headers=key_headers())
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body"


def test_an_oversized_body_is_a_413(client: TestClient) -> None:
    body = complaint_body(description="x" * 70_000)
    response = client.post("/api/complaints", json=body, headers=key_headers())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("short", "Idempotency-Key"),
        ("k" * 129, "Idempotency-Key"),
        ("has space", "Idempotency-Key"),
    ],
)
def test_bad_idempotency_keys(client: TestClient, key: str, field: str) -> None:
    response = client.post(
        "/api/complaints",
        json=complaint_body(),
        headers=SERVICE | {"Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"status": "lost"}, "status"),
        ({"channel": "sms"}, "channel"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_bad_list_queries(client: TestClient, params: dict, field: str) -> None:
    response = client.get("/api/complaints", params=params, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": "assigned", "colour": "red"}, "colour"),
        ({"status": "rejected", "reason": "r" * 1001}, "reason"),
        ({"status": "in_progress", "note": "bad\x07bell"}, "note"),
        ({"priority": "asap"}, "priority"),
    ],
)
def test_bad_patches_change_nothing(
    client: TestClient, patch: dict, field: str
) -> None:
    complaint = file_complaint(client)
    url = f"/api/complaints/{complaint['reference']}"

    response = client.patch(url, json=patch, headers=ADMIN)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    after = client.get(url, headers=ADMIN).json()
    assert after["status"] == "submitted"
    assert len(after["history"]) == 1


def test_unknown_paths_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/api/nothing-here", headers=ADMIN)
    wrong_method = client.delete("/api/complaints", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
