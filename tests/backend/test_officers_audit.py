"""Officer accounts (deactivate, rotate the token) and the audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, file_complaint, make_officer


def test_a_deactivated_officer_is_locked_out(client: TestClient) -> None:
    officer = make_officer(client, "IOCL")
    assert client.get("/api/complaints", headers=officer["headers"]).status_code == 200

    response = client.patch(
        f"/api/officers/{officer['username']}", json={"active": False}, headers=ADMIN
    )

    assert response.json()["active"] is False
    assert client.get("/api/complaints", headers=officer["headers"]).status_code == 401


def test_a_rotated_token_replaces_the_old_one(client: TestClient) -> None:
    officer = make_officer(client, "HPCL")
    response = client.post(f"/api/officers/{officer['username']}/token", headers=ADMIN)
    new = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get("/api/complaints", headers=officer["headers"]).status_code == 401
    assert client.get("/api/complaints", headers=new).status_code == 200


def test_a_company_admin_manages_only_their_company(client: TestClient) -> None:
    admin = make_officer(client, "MGL", role="admin")
    own = make_officer(client, "MGL")
    other = make_officer(client, "IGL")
    url = "/api/officers/{}"
    renamed = client.patch(
        url.format(own["username"]),
        json={"display_name": "Asha P"},
        headers=admin["headers"],
    )
    refused = client.patch(
        url.format(other["username"]), json={"active": False}, headers=admin["headers"]
    )
    assert renamed.json()["display_name"] == "Asha P"
    assert refused.status_code == 404
    assert client.get("/api/complaints", headers=other["headers"]).status_code == 200


def test_an_officer_change_needs_something_to_change(client: TestClient) -> None:
    officer = make_officer(client, "IOCL")
    response = client.patch(
        f"/api/officers/{officer['username']}", json={}, headers=ADMIN
    )
    assert response.status_code == 422


def test_the_audit_log_records_who_did_what(client: TestClient, officers: dict) -> None:
    officer = officers["IOCL"]
    reference = file_complaint(client)["reference"]
    client.patch(
        f"/api/complaints/{reference}",
        json={"status": "assigned"},
        headers=officer["headers"],
    )

    entries = client.get(
        "/api/audit", params={"target": reference}, headers=ADMIN
    ).json()["items"]

    assert [(e["action"], e["actor"]) for e in entries] == [
        ("complaint.status", f"officer:{officer['id']}"),
        ("complaint.create", "service"),
    ]
    assert entries[0]["detail"] == {"from": "submitted", "to": "assigned"}
    assert all(e["request_id"] for e in entries)


def test_the_audit_log_is_for_ministry_admins(client: TestClient) -> None:
    company_admin = make_officer(client, "BPCL", role="admin")
    assert client.get("/api/audit", headers=SERVICE).status_code == 403
    assert client.get("/api/audit", headers=company_admin["headers"]).status_code == 403
