"""The outbox of status updates: written with the change, delivered by a channel,
failures kept visible to the officer (C13)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, file_complaint


def pending_for(client: TestClient, reference: str) -> list[dict]:
    items = client.get(
        "/api/notifications", params={"reference": reference}, headers=SERVICE
    ).json()["items"]
    assert all(n["reference"] == reference for n in items)
    return items


def test_an_officers_change_owes_the_citizen_an_update(
    client: TestClient, officers: dict
) -> None:
    complaint = file_complaint(client, channel="x", sender_id="2001", language="hi")
    reference = complaint["reference"]
    assert pending_for(client, reference) == []

    client.patch(
        f"/api/complaints/{reference}",
        json={"status": "resolved", "note": "Cylinder delivered"},
        headers=ADMIN,
    )  # illegal from submitted: nothing owed
    client.patch(
        f"/api/complaints/{reference}",
        json={"status": "in_progress"},
        headers=officers["IOCL"]["headers"],
    )

    [notice] = pending_for(client, reference)
    assert notice["status"] == "in_progress"
    assert (notice["channel"], notice["sender_id"], notice["language"]) == (
        "x",
        "2001",
        "hi",
    )


def test_the_citizens_own_change_is_not_echoed(client: TestClient) -> None:
    complaint = file_complaint(client)
    client.patch(
        f"/api/complaints/{complaint['reference']}",
        json={
            "status": "withdrawn",
            "channel": complaint["channel"],
            "sender_id": complaint["sender_id"],
        },
        headers=SERVICE,
    )
    assert pending_for(client, complaint["reference"]) == []


def test_a_failed_delivery_is_shown_on_the_complaint(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    client.patch(
        f"/api/complaints/{reference}", json={"status": "assigned"}, headers=ADMIN
    )
    [notice] = pending_for(client, reference)
    url = f"/api/notifications/{notice['id']}"

    failed = client.patch(
        url,
        json={"delivery_status": "failed", "delivery_error": "outside_window"},
        headers=SERVICE,
    )

    assert failed.json()["attempts"] == 1
    assert pending_for(client, reference) == []
    shown = client.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    assert [
        (n["delivery_status"], n["delivery_error"]) for n in shown["notifications"]
    ] == [("failed", "outside_window")]
    retried = client.patch(url, json={"delivery_status": "sent"}, headers=SERVICE)
    assert (retried.json()["delivery_status"], retried.json()["attempts"]) == (
        "sent",
        2,
    )
    assert retried.json()["delivery_error"] is None
    again = client.patch(url, json={"delivery_status": "failed"}, headers=SERVICE)
    assert again.status_code == 409


def test_notifications_are_for_the_service(client: TestClient, officers: dict) -> None:
    headers = officers["IOCL"]["headers"]
    assert client.get("/api/notifications", headers=headers).status_code == 403
    assert (
        client.patch(
            "/api/notifications/1", json={"delivery_status": "sent"}, headers=headers
        ).status_code
        == 403
    )
    missing = client.patch(
        "/api/notifications/999999", json={"delivery_status": "sent"}, headers=SERVICE
    )
    assert missing.status_code == 404
