"""The timeout watcher: an unclaimed handoff times out, its complaint is registered
with what was collected (once), and the bot is asked to tell the citizen."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from conftest import ADMIN, SERVICE, make_officer, open_handoff
from eseva import watcher
from eseva.rasa import RasaClient
from fake_rasa import FakeRasa


def sweep(api: TestClient, rasa: FakeRasa, wait: float | None) -> list[str]:
    state = api.app.state
    client = RasaClient(rasa.url, rasa.token, timeout=2.0)
    return watcher.sweep(state.db, state.levels, state.router, client, wait)


def handoff_of(api: TestClient, handoff_id: int) -> dict[str, Any]:
    return api.get(f"/api/handoffs/{handoff_id}", headers=SERVICE).json()


def test_an_unclaimed_handoff_times_out_with_its_complaint_registered(
    api: TestClient, rasa: FakeRasa
) -> None:
    handoff = open_handoff(
        api,
        language="hi",
        collected={
            "category": "lpg_delivery",
            "full_name": "Sunita Devi",
            "consumer_id": "71000000123456789",
            "location": "रोहतक",
            "service_agency": "Shree Ganesh Gas, Indane",
        },
    )
    references = sweep(api, rasa, wait=0)
    stored = handoff_of(api, handoff["id"])
    assert stored["status"] == "timed_out"
    reference = stored["complaint_reference"]
    assert reference in references

    complaint = api.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    assert complaint["full_name"] == "Sunita Devi"
    assert complaint["consumer_id"] == "71000000123456789"
    assert complaint["location"] == "रोहतक"
    assert complaint["company"] == "IOCL"
    assert (complaint["language"], complaint["channel"]) == ("hi", "messenger")
    assert complaint["sender_id"] == handoff["sender_id"]

    assert rasa.triggered(handoff["sender_id"]) == [
        {"name": "EXTERNAL_handoff_timed_out", "entities": {"reference": reference}}
    ]
    texts = [m["text"] for m in stored["messages"] if m["direction"] == "system"]
    assert any(reference in text for text in texts)

    # A second pass registers nothing more.
    assert handoff["id"] not in [h for h in sweep(api, rasa, wait=0)]
    again = api.get(
        "/api/complaints",
        params={"sender_id": handoff["sender_id"], "channel": "messenger"},
        headers=ADMIN,
    ).json()
    assert again["total"] == 1


def test_missing_required_fields_are_marked_not_invented(
    api: TestClient, rasa: FakeRasa
) -> None:
    handoff = open_handoff(
        api, collected={"category": "pump_quality", "consumer_id": "passbook ghar pe"}
    )
    sweep(api, rasa, wait=0)
    reference = handoff_of(api, handoff["id"])["complaint_reference"]
    complaint = api.get(f"/api/complaints/{reference}", headers=ADMIN).json()
    assert complaint["full_name"] == watcher.NOT_GIVEN
    assert complaint["location"] == watcher.NOT_GIVEN
    assert complaint["consumer_id"] is None
    assert "consumer number as typed: passbook ghar pe" in complaint["description"]


def test_a_linked_complaint_is_reused_not_filed_again(
    api: TestClient, rasa: FakeRasa
) -> None:
    filed = api.post(
        "/api/complaints",
        json={
            "category": "lpg_delivery", "full_name": "Sunita Devi",
            "location": "Rohtak", "language": "en", "channel": "x",
            "sender_id": "2001-linked", "service_agency": "Indane agency",
        },
        headers={**SERVICE, "Idempotency-Key": "linked-complaint-key-1"},
    ).json()  # fmt: skip
    handoff = open_handoff(
        api, channel="x", sender_id="2001-linked",
        complaint_reference=filed["reference"],
    )  # fmt: skip
    sweep(api, rasa, wait=0)
    assert handoff_of(api, handoff["id"])["complaint_reference"] == filed["reference"]
    listed = api.get(
        "/api/complaints", params={"sender_id": "2001-linked"}, headers=ADMIN
    ).json()
    assert listed["total"] == 1


def test_claimed_and_young_handoffs_are_left_alone(
    api: TestClient, rasa: FakeRasa
) -> None:
    officer = make_officer(api, "IOCL")
    young = open_handoff(api)
    claimed = open_handoff(api)
    headers = {"Authorization": f"Bearer {officer['token']}"}
    assert api.post(f"/api/handoffs/{claimed['id']}/claim", headers=headers).is_success
    sweep(api, rasa, wait=None)  # sla.yml: 60 minutes for normal priority
    assert handoff_of(api, young["id"])["status"] == "waiting"
    sweep(api, rasa, wait=0)
    assert handoff_of(api, claimed["id"])["status"] == "assigned"
    assert handoff_of(api, young["id"])["status"] == "timed_out"


def test_the_complaint_stays_registered_when_rasa_is_down(
    api: TestClient, rasa: FakeRasa
) -> None:
    handoff = open_handoff(api)
    rasa.up = False
    try:
        references = sweep(api, rasa, wait=0)
    finally:
        rasa.up = True
    stored = handoff_of(api, handoff["id"])
    assert stored["status"] == "timed_out"
    assert stored["complaint_reference"] in references


def test_the_api_timeout_registers_and_tells_like_the_watcher(
    api: TestClient, rasa: FakeRasa
) -> None:
    handoff = open_handoff(api)
    response = api.post(f"/api/handoffs/{handoff['id']}/timeout", headers=ADMIN)
    assert response.status_code == 200, response.text
    reference = response.json()["complaint_reference"]
    assert response.json()["status"] == "timed_out" and reference
    assert rasa.triggered(handoff["sender_id"]) == [
        {"name": "EXTERNAL_handoff_timed_out", "entities": {"reference": reference}}
    ]
    again = api.post(f"/api/handoffs/{handoff['id']}/timeout", headers=ADMIN)
    assert again.status_code == 409
