"""Tokens and company scoping: an officer sees and changes only their company's
complaints and handoffs; errors leak nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import (
    ADMIN,
    SERVICE,
    complaint_body,
    file_complaint,
    key_headers,
    make_officer,
    unique,
)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer test-service-token-but-longer"},
    ],
    ids=["none", "wrong", "basic", "empty", "prefix"],
)
def test_requests_without_a_valid_token_are_401(
    client: TestClient, headers: dict
) -> None:
    complaint = file_complaint(client)
    for response in (
        client.get("/api/complaints", headers=headers),
        client.get(f"/api/complaints/{complaint['reference']}", headers=headers),
        client.post("/api/handoffs", json={}, headers=headers),
    ):
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "unauthorized"
        assert complaint["reference"] not in response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_another_companys_complaint_looks_unknown(
    client: TestClient, officers: dict
) -> None:
    iocl = file_complaint(client)  # Indane distributor: IOCL
    hpcl = officers["HPCL"]["headers"]

    hidden = client.get(f"/api/complaints/{iocl['reference']}", headers=hpcl)
    unknown = client.get("/api/complaints/MOPNG-1999-999999", headers=hpcl)

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
    own = client.get(
        f"/api/complaints/{iocl['reference']}", headers=officers["IOCL"]["headers"]
    )
    assert own.status_code == 200


def test_another_companys_complaint_cannot_be_changed(
    client: TestClient, officers: dict
) -> None:
    complaint = file_complaint(client)
    url = f"/api/complaints/{complaint['reference']}"

    response = client.patch(
        url, json={"status": "assigned"}, headers=officers["HPCL"]["headers"]
    )

    assert response.status_code == 404
    after = client.get(url, headers=ADMIN).json()
    assert after["status"] == "submitted"
    assert len(after["history"]) == 1


def test_lists_show_only_the_officers_company(
    client: TestClient, officers: dict
) -> None:
    sender = unique("PSID")
    iocl = file_complaint(client, sender_id=sender)
    hpcl = file_complaint(client, sender_id=sender, service_agency="HP Gas agency")
    unrouted = file_complaint(client, sender_id=sender, service_agency="Sharma agency")

    def refs(who: str, **params: str) -> set[str]:
        response = client.get(
            "/api/complaints",
            params={"sender_id": sender, **params},
            headers=officers[who]["headers"],
        )
        assert response.status_code == 200
        return {item["reference"] for item in response.json()["items"]}

    assert refs("HPCL") == {hpcl["reference"]}
    assert refs("HPCL", company="IOCL") == set()
    assert refs("IOCL") == {iocl["reference"]}
    assert refs("MOPNG") == {
        iocl["reference"],
        hpcl["reference"],
        unrouted["reference"],
    }


def test_after_a_transfer_the_new_company_owns_it(
    client: TestClient, officers: dict
) -> None:
    complaint = file_complaint(client)
    url = f"/api/complaints/{complaint['reference']}"
    iocl, hpcl = officers["IOCL"]["headers"], officers["HPCL"]["headers"]

    moved = client.patch(
        url,
        json={"status": "transferred", "company": "HPCL", "note": "HP Gas consumer"},
        headers=iocl,
    )

    assert moved.status_code == 200
    assert client.get(url, headers=iocl).status_code == 404
    assert client.get(url, headers=hpcl).status_code == 200


def test_only_admins_create_officers(client: TestClient, officers: dict) -> None:
    body = {"username": unique("u"), "display_name": "New One", "company": "IOCL"}
    as_service = client.post("/api/officers", json=body, headers=SERVICE)
    as_officer = client.post(
        "/api/officers", json=body, headers=officers["IOCL"]["headers"]
    )
    assert as_service.status_code == as_officer.status_code == 403


def test_a_company_admin_creates_only_their_companys_officers(
    client: TestClient,
) -> None:
    admin = make_officer(client, "BPCL", role="admin")
    own = client.post(
        "/api/officers",
        json={"username": unique("b"), "display_name": "B One", "company": "BPCL"},
        headers=admin["headers"],
    )
    other = client.post(
        "/api/officers",
        json={"username": unique("b"), "display_name": "B Two", "company": "IOCL"},
        headers=admin["headers"],
    )
    assert own.status_code == 201
    assert other.status_code == 403


def test_officer_accounts(client: TestClient) -> None:
    officer = make_officer(client, "IGL", password="a long enough secret")
    assert officer["token"]
    listed = client.get("/api/officers", headers=ADMIN).json()
    mine = next(o for o in listed if o["username"] == officer["username"])
    assert "token" not in mine and "password" not in mine

    taken = client.post(
        "/api/officers",
        json={"username": officer["username"], "display_name": "X Y", "company": "IGL"},
        headers=ADMIN,
    )
    assert taken.status_code == 409
    unknown = client.post(
        "/api/officers",
        json={"username": unique("u"), "display_name": "X Y", "company": "NOSUCH"},
        headers=ADMIN,
    )
    assert unknown.status_code == 422


def test_officer_passwords_are_hashed_and_verifiable(database_url: str) -> None:
    from eseva.auth import hash_password, verify_password

    stored = hash_password("correct horse battery")
    assert "correct horse" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("anything", None)


def test_handoffs_are_scoped_too(client: TestClient, officers: dict) -> None:
    sender = unique("PSID")
    opened = client.post(
        "/api/handoffs",
        json={
            "channel": "messenger",
            "sender_id": sender,
            "reason": "citizen_asked",
            "language": "hi-Latn",
            "collected": {"service_agency": "Indane gas agency"},
        },
        headers=SERVICE,
    ).json()
    assert opened["company"] == "IOCL"
    url = f"/api/handoffs/{opened['id']}"
    hpcl = officers["HPCL"]["headers"]

    assert client.get(url, headers=hpcl).status_code == 404
    assert client.post(f"{url}/claim", headers=hpcl).status_code == 404
    assert (
        client.post(f"{url}/messages", json={"text": "hi"}, headers=hpcl).status_code
        == 404
    )
    listed = client.get("/api/handoffs", params={"sender_id": sender}, headers=hpcl)
    assert listed.json()["items"] == []
    mine = client.get(
        "/api/handoffs",
        params={"sender_id": sender},
        headers=officers["IOCL"]["headers"],
    )
    assert [h["id"] for h in mine.json()["items"]] == [opened["id"]]


def test_the_owner_question_is_for_the_service(
    client: TestClient, officers: dict
) -> None:
    url = "/api/conversations/messenger/PSID_1001/owner"
    assert client.get(url, headers=officers["IOCL"]["headers"]).status_code == 403
    assert client.get(url, headers=SERVICE).status_code == 200


def test_a_replayed_key_does_not_reveal_another_companys_complaint(
    client: TestClient, officers: dict
) -> None:
    body = complaint_body()
    headers = key_headers()
    first = client.post("/api/complaints", json=body, headers=headers)
    replay = client.post(
        "/api/complaints",
        json=body,
        headers=officers["HPCL"]["headers"]
        | {"Idempotency-Key": headers["Idempotency-Key"]},
    )
    assert first.status_code == 201
    assert replay.status_code == 409
    assert first.json()["reference"] not in replay.text
