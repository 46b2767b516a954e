"""Filing and reading complaints: idempotency, references, duplicates, the citizen's
status view, paging."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import (
    ADMIN,
    SERVICE,
    complaint_body,
    consumer_number,
    file_complaint,
    key_headers,
    unique,
)

REFERENCE = re.compile(r"MOPNG-\d{4}-\d{6}")
LPG_ID = "71000000123456789"


def count_for(client: TestClient, sender_id: str) -> int:
    response = client.get(
        "/api/complaints", params={"sender_id": sender_id}, headers=ADMIN
    )
    return response.json()["total"]


def test_create_stores_every_field(client: TestClient) -> None:
    body = complaint_body(
        consumer_id="७१०० ००००-१२३४ ५६७८९",
        outlet_details="Godown behind the bus stand",
        language="hi",
        priority="urgent",
    )
    response = client.post("/api/complaints", json=body, headers=key_headers())

    assert response.status_code == 201
    created = response.json()
    assert REFERENCE.fullmatch(created["reference"])
    assert created["status"] == "submitted"
    assert created["consumer_id"] == LPG_ID
    assert created["company"] == "IOCL"
    for field in ("full_name", "location", "outlet_details", "language", "priority"):
        assert created[field] == body[field]
    stored = client.get(f"/api/complaints/{created['reference']}", headers=ADMIN).json()
    assert stored["consumer_id"] == LPG_ID
    assert stored["history"][0]["to_status"] == "submitted"
    assert stored["history"][0]["actor"] == "service"


def test_references_are_unique_and_counted(client: TestClient) -> None:
    first = file_complaint(client)["reference"]
    second = file_complaint(client)["reference"]
    assert first != second
    assert first.rsplit("-", 1)[0] == second.rsplit("-", 1)[0]
    assert int(second.rsplit("-", 1)[1]) > int(first.rsplit("-", 1)[1])


def test_the_same_key_and_body_returns_the_same_complaint(client: TestClient) -> None:
    body = complaint_body()
    headers = key_headers()
    first = client.post("/api/complaints", json=body, headers=headers)
    again = client.post("/api/complaints", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert count_for(client, body["sender_id"]) == 1


def test_a_used_key_with_another_body_is_a_conflict(client: TestClient) -> None:
    body = complaint_body()
    headers = key_headers()
    client.post("/api/complaints", json=body, headers=headers)
    response = client.post(
        "/api/complaints", json=body | {"location": "Hisar"}, headers=headers
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert count_for(client, body["sender_id"]) == 1


def test_the_key_is_required(client: TestClient) -> None:
    body = complaint_body()
    response = client.post("/api/complaints", json=body, headers=SERVICE)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert count_for(client, body["sender_id"]) == 0


def test_a_second_open_complaint_is_linked_to_the_first(client: TestClient) -> None:
    consumer = consumer_number()
    original = file_complaint(client, consumer_id=consumer)
    again = file_complaint(client, consumer_id=f" {consumer[:4]}-{consumer[4:]} ")

    assert original["status"] == "submitted"
    assert again["status"] == "duplicate"
    assert again["duplicate_of"] == original["reference"]
    view = client.get(
        f"/api/complaints/{again['reference']}/status",
        params={"channel": again["channel"], "sender_id": again["sender_id"]},
        headers=SERVICE,
    ).json()
    assert view["duplicate_of"] == original["reference"]


def test_not_a_duplicate_when_category_company_or_openness_differ(
    client: TestClient,
) -> None:
    consumer = consumer_number()
    original = file_complaint(client, consumer_id=consumer)
    other_category = file_complaint(
        client, consumer_id=consumer, category="lpg_overcharge"
    )
    other_company = file_complaint(
        client, consumer_id=consumer, service_agency="HP Gas agency"
    )
    assert other_category["status"] == "submitted"
    assert other_company["status"] == "submitted"

    client.patch(
        f"/api/complaints/{original['reference']}",
        json={"status": "rejected", "reason": "Filed twice by mistake"},
        headers=ADMIN,
    )
    client.patch(
        f"/api/complaints/{other_category['reference']}",
        json={"status": "withdrawn"},
        headers=ADMIN,
    )
    after_close = file_complaint(client, consumer_id=consumer)
    assert after_close["status"] == "submitted"


def test_without_a_consumer_id_there_are_no_duplicates(client: TestClient) -> None:
    first = file_complaint(client, consumer_id=None)
    second = file_complaint(client, consumer_id="", sender_id=first["sender_id"])
    assert first["status"] == second["status"] == "submitted"
    assert second["consumer_id"] is None


def test_the_citizen_sees_only_their_own_complaint(client: TestClient) -> None:
    complaint = file_complaint(client, channel="x", sender_id="2001")
    url = f"/api/complaints/{complaint['reference']}/status"

    own = client.get(url, params={"channel": "x", "sender_id": "2001"}, headers=SERVICE)
    other = client.get(
        url, params={"channel": "x", "sender_id": "2002"}, headers=SERVICE
    )
    other_channel = client.get(
        url, params={"channel": "messenger", "sender_id": "2001"}, headers=SERVICE
    )
    unknown = client.get(
        "/api/complaints/MOPNG-1999-000001/status",
        params={"channel": "x", "sender_id": "2001"},
        headers=SERVICE,
    )

    assert own.status_code == 200
    assert set(own.json()) == {
        "reference",
        "status",
        "updated_at",
        "expected_by",
        "duplicate_of",
        "overdue",
    }
    assert own.json()["expected_by"] is not None
    assert own.json()["overdue"] is False
    for refused in (other, other_channel):
        assert refused.status_code == 404
        assert refused.json() == unknown.json()
    assert unknown.status_code == 404


def test_the_status_view_is_for_the_service_only(
    client: TestClient, officers: dict
) -> None:
    complaint = file_complaint(client)
    response = client.get(
        f"/api/complaints/{complaint['reference']}/status",
        params={"channel": complaint["channel"], "sender_id": complaint["sender_id"]},
        headers=officers["IOCL"]["headers"],
    )
    assert response.status_code == 403


def test_references_are_read_case_insensitively(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    response = client.get(f"/api/complaints/{reference.lower()}", headers=ADMIN)
    assert response.json()["reference"] == reference


def test_list_filters_and_pages(client: TestClient) -> None:
    sender = unique("PSID")
    refs = [file_complaint(client, sender_id=sender)["reference"] for _ in range(5)]
    file_complaint(client, sender_id=sender, channel="x")

    page = client.get(
        "/api/complaints",
        params={"sender_id": sender, "channel": "messenger", "limit": 2, "offset": 1},
        headers=SERVICE,
    ).json()

    assert page["total"] == 5
    assert (page["limit"], page["offset"]) == (2, 1)
    # Newest first.
    assert [item["reference"] for item in page["items"]] == refs[::-1][1:3]

    by_status = client.get(
        "/api/complaints",
        params={"sender_id": sender, "status": "duplicate"},
        headers=SERVICE,
    ).json()
    assert by_status["total"] == 0


def test_withdraw_by_the_citizen_needs_their_conversation(client: TestClient) -> None:
    complaint = file_complaint(client)
    url = f"/api/complaints/{complaint['reference']}"

    stranger = client.patch(
        url,
        json={"status": "withdrawn", "channel": "messenger", "sender_id": "someone"},
        headers=SERVICE,
    )
    unnamed = client.patch(url, json={"status": "withdrawn"}, headers=SERVICE)
    own = client.patch(
        url,
        json={
            "status": "withdrawn",
            "channel": complaint["channel"],
            "sender_id": complaint["sender_id"],
        },
        headers=SERVICE,
    )

    assert stranger.status_code == 404
    assert unnamed.status_code == 422
    assert own.status_code == 200
    assert own.json()["status"] == "withdrawn"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/complaints" in schema["paths"]
    assert "/api/handoffs/{handoff_id}/claim" in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_optional_fields_may_be_null_or_absent(client: TestClient) -> None:
    body = complaint_body(description=None, service_agency=None)
    del body["outlet_details"]
    response = client.post("/api/complaints", json=body, headers=key_headers())
    assert response.status_code == 201, response.text
    assert response.json()["description"] == ""
    assert response.json()["company"] is None


def test_an_officer_lists_what_is_assigned_to_them(
    client: TestClient, officers: dict
) -> None:
    sender = unique("PSID")
    mine = file_complaint(client, sender_id=sender)
    file_complaint(client, sender_id=sender)
    me = officers["IOCL"]
    client.patch(
        f"/api/complaints/{mine['reference']}",
        json={"status": "assigned"},
        headers=me["headers"],
    )
    listed = client.get(
        "/api/complaints",
        params={"sender_id": sender, "assigned_to": me["username"]},
        headers=me["headers"],
    ).json()
    assert [item["reference"] for item in listed["items"]] == [mine["reference"]]
    assert listed["total"] == 1
