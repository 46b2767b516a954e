"""Truly concurrent requests against a real server on a loopback port: nothing is
created twice, no reference is given out twice, one officer wins a claim."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient

from conftest import (
    ADMIN,
    SERVICE,
    complaint_body,
    consumer_number,
    key_headers,
    make_officer,
    unique,
)

THREADS = 10


def all_at_once(
    count: int, call: Callable[[httpx.Client, int], httpx.Response]
) -> list:
    """Run `call` in `count` threads released together; the responses."""
    barrier = threading.Barrier(count)

    def run(index: int) -> httpx.Response:
        with httpx.Client(timeout=30) as http:
            barrier.wait(timeout=30)
            return call(http, index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def total_for(client: TestClient, sender: str) -> int:
    response = client.get(
        "/api/complaints", params={"sender_id": sender}, headers=ADMIN
    )
    return response.json()["total"]


def test_concurrent_repeats_of_one_key_create_one_complaint(
    live_url: str, client: TestClient
) -> None:
    body = complaint_body()
    headers = key_headers()

    responses = all_at_once(
        THREADS,
        lambda http, _: http.post(
            f"{live_url}/api/complaints", json=body, headers=headers
        ),
    )

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 200: THREADS - 1}, codes
    assert len({r.json()["reference"] for r in responses}) == 1
    assert total_for(client, body["sender_id"]) == 1


def test_concurrent_creates_get_distinct_references(
    live_url: str, client: TestClient
) -> None:
    sender = unique("PSID")

    responses = all_at_once(
        THREADS,
        lambda http, _: http.post(
            f"{live_url}/api/complaints",
            json=complaint_body(sender_id=sender),
            headers=key_headers(),
        ),
    )

    assert [r.status_code for r in responses] == [201] * THREADS
    assert len({r.json()["reference"] for r in responses}) == THREADS
    assert total_for(client, sender) == THREADS


def test_concurrent_same_consumer_complaints_link_to_one_original(
    live_url: str,
) -> None:
    consumer = consumer_number()

    responses = all_at_once(
        6,
        lambda http, _: http.post(
            f"{live_url}/api/complaints",
            json=complaint_body(consumer_id=consumer),
            headers=key_headers(),
        ),
    )

    bodies = [r.json() for r in responses]
    originals = [b for b in bodies if b["status"] == "submitted"]
    assert len(originals) == 1
    assert {b["duplicate_of"] for b in bodies if b is not originals[0]} == {
        originals[0]["reference"]
    }


def test_two_officers_claim_at_once_and_one_wins(
    live_url: str, client: TestClient
) -> None:
    rivals = [make_officer(client, "BPCL") for _ in range(4)]
    handoff = client.post(
        "/api/handoffs",
        json={
            "channel": "x",
            "sender_id": unique("x"),
            "reason": "citizen_asked",
            "language": "en",
            "collected": {"service_agency": "Bharatgas agency"},
        },
        headers=SERVICE,
    ).json()
    url = f"{live_url}/api/handoffs/{handoff['id']}/claim"

    responses = all_at_once(
        len(rivals), lambda http, i: http.post(url, headers=rivals[i]["headers"])
    )

    winners = [i for i, r in enumerate(responses) if r.status_code == 200]
    assert len(winners) == 1
    winner = rivals[winners[0]]["username"]
    for i, response in enumerate(responses):
        if i in winners:
            continue
        assert response.status_code == 409
        assert winner in response.json()["error"]["message"]
    stored = client.get(f"/api/handoffs/{handoff['id']}", headers=SERVICE).json()
    assert stored["officer"]["username"] == winner


def test_concurrent_handoffs_of_one_conversation_make_one(
    live_url: str, client: TestClient
) -> None:
    sender = unique("PSID")
    body: dict[str, Any] = {
        "channel": "messenger",
        "sender_id": sender,
        "reason": "citizen_asked",
        "language": "hi",
    }

    responses = all_at_once(
        THREADS,
        lambda http, _: http.post(
            f"{live_url}/api/handoffs", json=body, headers=SERVICE
        ),
    )

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 200: THREADS - 1}, codes
    assert len({r.json()["id"] for r in responses}) == 1
    listed = client.get("/api/handoffs", params={"sender_id": sender}, headers=SERVICE)
    assert len(listed.json()["items"]) == 1
