"""Nothing is half-written: a failure in the middle of a change leaves no trace."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, complaint_body, file_complaint, key_headers
from eseva import audit


def failing_on(action: str, real: Any) -> Any:
    def record(session: Any, actor: str, act: str, target: str, *rest: Any) -> None:
        if act == action:
            raise RuntimeError("simulated failure after the rows were added")
        real(session, actor, act, target, *rest)

    return record


def test_a_create_that_fails_late_leaves_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = complaint_body()
    headers = key_headers()
    monkeypatch.setattr(audit, "record", failing_on("complaint.create", audit.record))

    failed = client.post("/api/complaints", json=body, headers=headers)

    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "internal"
    monkeypatch.undo()
    listed = client.get(
        "/api/complaints", params={"sender_id": body["sender_id"]}, headers=ADMIN
    )
    assert listed.json()["total"] == 0
    retried = client.post("/api/complaints", json=body, headers=headers)
    assert retried.status_code == 201


def test_a_change_that_fails_late_leaves_the_complaint_as_it_was(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = file_complaint(client)["reference"]
    monkeypatch.setattr(audit, "record", failing_on("complaint.status", audit.record))

    failed = client.patch(
        f"/api/complaints/{reference}",
        json={"status": "transferred", "company": "HPCL", "note": "HP consumer"},
        headers=ADMIN,
    )

    assert failed.status_code == 500
    monkeypatch.undo()
    after = client.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    assert (after["status"], after["company"], after["transfer_count"]) == (
        "submitted",
        "IOCL",
        0,
    )
    assert len(after["history"]) == 1
