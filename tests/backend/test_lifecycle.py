"""The state machine, tested from its own table: every legal and illegal pair."""

from __future__ import annotations

import itertools
from collections import deque
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from conftest import ADMIN, SERVICE, file_complaint
from eseva import lifecycle
from eseva.db import Database
from eseva.lifecycle import STATUSES, TRANSITIONS, Transition
from eseva.models import Complaint, utcnow


def _shortest_paths() -> dict[str, list[Transition]]:
    """For each status, the officer's shortest way there from `submitted`."""
    paths: dict[str, list[Transition]] = {"submitted": []}
    queue = deque(["submitted"])
    while queue:
        source = queue.popleft()
        for rule in TRANSITIONS:
            if rule.source == source and rule.target not in paths:
                paths[rule.target] = [*paths[source], rule]
                queue.append(rule.target)
    return paths


PATHS = _shortest_paths()


def patch_for(client: TestClient, rule_target: str, requires: tuple[str, ...]) -> dict:
    """A PATCH body carrying what the table requires for a move to `rule_target`."""
    body: dict[str, Any] = {"status": rule_target}
    for requirement in requires:
        if requirement == "note":
            body["note"] = "Spoke to the distributor."
        elif requirement == "reason":
            body["reason"] = "Private brand, outside PSU scope."
        elif requirement == "target":
            body["office"] = "LPG area office, Rohtak"
        elif requirement == "duplicate_of":
            body["duplicate_of"] = file_complaint(client)["reference"]
    return body


def drive_to(client: TestClient, status: str) -> dict[str, Any]:
    """A new complaint, moved by an admin along the table to `status`."""
    complaint = file_complaint(client)
    for rule in PATHS[status]:
        body = patch_for(client, rule.target, rule.requires)
        response = client.patch(
            f"/api/complaints/{complaint['reference']}", json=body, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        complaint = response.json()
    assert complaint["status"] == status
    return complaint


def test_every_status_is_reachable() -> None:
    assert set(PATHS) == set(STATUSES)


@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(STATUSES, STATUSES))
)
def test_every_pair_follows_the_table(
    client: TestClient, source: str, target: str
) -> None:
    complaint = drive_to(client, source)
    reference = complaint["reference"]
    rule = lifecycle.find(source, target)
    requires = rule.requires if rule else ("note", "reason", "target")
    body = patch_for(client, target, requires)

    response = client.patch(f"/api/complaints/{reference}", json=body, headers=ADMIN)

    after = client.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    if rule is None:
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "illegal_transition"
        assert f"'{source}'" in error["message"] and f"'{target}'" in error["message"]
        assert after["status"] == source
        assert len(after["history"]) == len(PATHS[source]) + 1
    else:
        assert response.status_code == 200, response.text
        assert after["status"] == target
        last = after["history"][-1]
        assert (last["from_status"], last["to_status"]) == (source, target)
        assert last["actor"] == "admin"
        assert last["note"] == body.get("note")


@pytest.mark.parametrize("rule", TRANSITIONS, ids=lambda r: f"{r.source}-{r.target}")
def test_the_citizen_makes_only_the_citizens_moves(
    client: TestClient, rule: Transition
) -> None:
    complaint = drive_to(client, rule.source)
    body = patch_for(client, rule.target, rule.requires)
    body |= {"channel": complaint["channel"], "sender_id": complaint["sender_id"]}

    response = client.patch(
        f"/api/complaints/{complaint['reference']}", json=body, headers=SERVICE
    )

    if "citizen" in rule.actors:
        assert response.status_code == 200, response.text
        assert response.json()["history"][-1]["actor"] == "service"
    else:
        assert response.status_code == 403, response.text
        after = client.get(f"/api/complaints/{complaint['reference']}", headers=ADMIN)
        assert after.json()["status"] == rule.source


REQUIRED = [
    (rule, requirement) for rule in TRANSITIONS for requirement in rule.requires
]


@pytest.mark.parametrize(
    ("rule", "requirement"),
    REQUIRED,
    ids=[f"{r.source}-{r.target}-{q}" for r, q in REQUIRED],
)
def test_a_missing_requirement_is_named(
    client: TestClient, rule: Transition, requirement: str
) -> None:
    complaint = drive_to(client, rule.source)
    body = patch_for(client, rule.target, rule.requires)
    for key in {"target": ("office", "company")}.get(requirement, (requirement,)):
        body.pop(key, None)

    response = client.patch(
        f"/api/complaints/{complaint['reference']}", json=body, headers=ADMIN
    )

    assert response.status_code == 422
    field = "company" if requirement == "target" else requirement
    assert response.json()["error"]["field"] == field


def test_transfer_at_most_three_times(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    for company in ("HPCL", "BPCL", "IOCL"):
        response = client.patch(
            f"/api/complaints/{reference}",
            json={"status": "transferred", "company": company, "note": "wrong brand"},
            headers=ADMIN,
        )
        assert response.status_code == 200, response.text
        assert response.json()["company"] == company

    response = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "transferred", "company": "HPCL", "note": "again"},
        headers=ADMIN,
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transfer_limit"
    after = client.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    assert (after["company"], after["transfer_count"]) == ("IOCL", 3)


def test_transfer_to_an_unknown_company_is_refused(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    response = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "transferred", "company": "NOSUCH", "note": "x"},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "company"


def test_rejection_keeps_its_reason(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    response = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "rejected", "reason": "Nayara pump: outside PSU scope"},
        headers=ADMIN,
    )
    assert response.json()["rejection_reason"] == "Nayara pump: outside PSU scope"


def test_assign_names_the_officer(client: TestClient, officers: dict) -> None:
    reference = file_complaint(client)["reference"]
    iocl = officers["IOCL"]
    response = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "assigned"},
        headers=iocl["headers"],
    )
    assert response.json()["assigned_to"] == iocl["username"]


def test_assign_to_another_companys_officer_is_refused(
    client: TestClient, officers: dict
) -> None:
    reference = file_complaint(client)["reference"]
    response = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "assigned", "assigned_to": officers["HPCL"]["username"]},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "assigned_to"


def test_priority_change_is_history(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    response = client.patch(
        f"/api/complaints/{reference}",
        json={"priority": "urgent", "note": "gas smell reported"},
        headers=ADMIN,
    )
    body = response.json()
    assert body["priority"] == "urgent"
    assert body["history"][-1]["detail"] == {"priority": ["normal", "urgent"]}


def test_a_patch_must_change_something(client: TestClient) -> None:
    reference = file_complaint(client)["reference"]
    response = client.patch(
        f"/api/complaints/{reference}", json={"note": "hello"}, headers=ADMIN
    )
    assert response.status_code == 422


def test_overdue_is_computed_from_the_service_levels(
    client: TestClient, database_url: str
) -> None:
    fresh = file_complaint(client)
    late = file_complaint(client, sender_id=fresh["sender_id"])
    urgent = file_complaint(client, sender_id=fresh["sender_id"], priority="urgent")
    db = Database(database_url)
    with db.writing() as session:
        # 30 hours old: past first contact (24 h normal), still within closure.
        session.execute(
            update(Complaint)
            .where(Complaint.reference.in_([late["reference"], urgent["reference"]]))
            .values(created_at=utcnow() - timedelta(hours=30))
        )
    db.dispose()

    def overdue_refs(flag: str) -> set[str]:
        response = client.get(
            "/api/complaints",
            params={"sender_id": fresh["sender_id"], "overdue": flag},
            headers=ADMIN,
        )
        return {item["reference"] for item in response.json()["items"]}

    assert overdue_refs("true") == {late["reference"], urgent["reference"]}
    assert overdue_refs("false") == {fresh["reference"]}
    detail = client.get(f"/api/complaints/{late['reference']}", headers=ADMIN).json()
    assert detail["overdue"] is True

    # Work started: past first contact no longer counts, closure is 21 days away.
    client.patch(
        f"/api/complaints/{late['reference']}",
        json={"status": "assigned"},
        headers=ADMIN,
    )
    assert late["reference"] not in overdue_refs("true")


@pytest.mark.parametrize(
    ("status", "age", "overdue"),
    [
        ("submitted", timedelta(hours=1), False),
        ("submitted", timedelta(hours=30), True),  # untouched past first contact
        ("assigned", timedelta(hours=30), False),
        ("assigned", timedelta(days=22), True),  # open past the 21-day closure
        ("resolved", timedelta(days=22), False),  # closed: never overdue
        ("rejected", timedelta(days=22), False),
    ],
)
def test_the_citizen_view_says_overdue_as_the_full_view_does(
    client: TestClient,
    database_url: str,
    status: str,
    age: timedelta,
    overdue: bool,
) -> None:
    complaint = drive_to(client, status)
    reference = complaint["reference"]
    db = Database(database_url)
    with db.writing() as session:
        session.execute(
            update(Complaint)
            .where(Complaint.reference == reference)
            .values(created_at=utcnow() - age)
        )
    db.dispose()

    view = client.get(
        f"/api/complaints/{reference}/status",
        params={"channel": complaint["channel"], "sender_id": complaint["sender_id"]},
        headers=SERVICE,
    ).json()
    full = client.get(f"/api/complaints/{reference}", headers=ADMIN).json()

    assert view["status"] == status
    assert view["overdue"] is overdue
    assert full["overdue"] is overdue
