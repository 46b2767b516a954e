"""The officer console through HTTP: sign-in, sessions, CSRF, scoping, the queue,
claiming, replies, returning to the bot, closing, complaints and the audit log."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import (
    ADMIN,
    SERVICE,
    csrf_of,
    live_server,
    make_officer,
    open_handoff,
    relay,
    sign_in,
    unique,
)
from eseva.main import create_app
from fake_rasa import FakeRasa

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def iocl(api: TestClient) -> dict[str, Any]:
    return make_officer(api, "IOCL", "Asha Verma")


@pytest.fixture(scope="module")
def iocl2(api: TestClient) -> dict[str, Any]:
    return make_officer(api, "IOCL", "Ravi Kumar")


@pytest.fixture(scope="module")
def hpcl(api: TestClient) -> dict[str, Any]:
    return make_officer(api, "HPCL", "Meena Rao")


def post_form(client: TestClient, url: str, page_url: str, **fields: str) -> Any:
    token = csrf_of(client.get(page_url).text)
    return client.post(
        url, data={"csrf_token": token, **fields}, follow_redirects=False
    )


def handoff_of(api: TestClient, handoff_id: int) -> dict[str, Any]:
    return api.get(f"/api/handoffs/{handoff_id}", headers=SERVICE).json()


def audit_actions(api: TestClient, target: str) -> list[str]:
    response = api.get("/api/audit", params={"target": target}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()["items"]]


# --- sign-in and sessions ----------------------------------------------------------


def test_pages_need_a_signed_in_officer(api: TestClient) -> None:
    for path in ("/console/queue", "/console/complaints", "/console/handoffs/1"):
        response = api.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login"
    assert api.get("/console/api/queue").status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie(
    api: TestClient, iocl: dict[str, Any]
) -> None:
    with TestClient(api.app) as client:
        response = sign_in(client, iocl["username"])
        assert response.status_code == 303
        cookie = next(
            v for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith("eseva_console=")
        )  # fmt: skip
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert "Path=/console" in cookie
        assert "Secure" not in cookie  # plain http in development
        assert client.get("/console/queue").status_code == 200


def test_wrong_password_and_forged_login_are_refused(
    api: TestClient, iocl: dict[str, Any]
) -> None:
    with TestClient(api.app) as client:
        response = sign_in(client, iocl["username"], "wrong password!")
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
        assert "eseva_console=" not in response.headers.get("set-cookie", "")
        forged = client.post(
            "/console/login",
            data={"username": iocl["username"], "password": "correct horse battery"},
            follow_redirects=False,
        )
        assert forged.status_code == 401
        assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_secure_cookie_when_configured(app_settings: Any, iocl: dict[str, Any]) -> None:
    settings = app_settings.model_copy(update={"console_secure_cookie": True})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = sign_in(client, iocl["username"])
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]


def test_sign_out_ends_the_session(console_for: Any, iocl: dict[str, Any]) -> None:
    client = console_for(iocl)
    response = post_form(client, "/console/logout", "/console/queue")
    assert response.status_code == 303
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(app_settings: Any, iocl: dict[str, Any]) -> None:
    settings = app_settings.model_copy(update={"console_idle_minutes": -1})
    with TestClient(create_app(settings)) as client:
        assert sign_in(client, iocl["username"]).status_code == 303
        response = client.get("/console/queue", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login"


def test_every_console_page_has_a_strict_csp_and_no_inline_script(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    client = console_for(iocl)
    handoff = open_handoff(api)
    for path in (
        "/console/login",
        "/console/queue",
        "/console/complaints",
        f"/console/handoffs/{handoff['id']}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", response.text), path


def test_a_post_without_the_csrf_token_changes_nothing(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    client = console_for(iocl)
    handoff = open_handoff(api)
    response = client.post(
        f"/console/handoffs/{handoff['id']}/claim",
        data={"csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert handoff_of(api, handoff["id"])["status"] == "waiting"


# --- queue, scoping and claiming ---------------------------------------------------


def test_the_queue_is_the_companys_urgent_first_with_the_wait(
    console_for: Any, iocl: dict[str, Any], hpcl: dict[str, Any], api: TestClient
) -> None:
    normal = open_handoff(api)
    urgent = open_handoff(api, reason="emergency", priority="urgent")
    other = open_handoff(
        api, collected={"category": "lpg_delivery", "service_agency": "HP Gas agency"}
    )
    assert (normal["company"], other["company"]) == ("IOCL", "HPCL")

    items = console_for(iocl).get("/console/api/queue").json()["items"]
    ids = [i["id"] for i in items]
    assert normal["id"] in ids and urgent["id"] in ids and other["id"] not in ids
    assert ids.index(urgent["id"]) < ids.index(normal["id"])
    assert all(i["company"] == "IOCL" for i in items)
    assert all(i["wait"].endswith("min") for i in items)

    hp_ids = [
        i["id"] for i in console_for(hpcl).get("/console/api/queue").json()["items"]
    ]
    assert other["id"] in hp_ids and normal["id"] not in hp_ids


def test_another_companys_conversation_is_not_found(
    console_for: Any, hpcl: dict[str, Any], api: TestClient
) -> None:
    client = console_for(hpcl)
    handoff = open_handoff(api)
    relay(api, handoff["id"], "private words of an Indane customer")
    page = client.get(f"/console/handoffs/{handoff['id']}")
    assert page.status_code == 404
    assert "private words" not in page.text
    assert client.get(f"/console/api/handoffs/{handoff['id']}").status_code == 404
    token = csrf_of(client.get("/console/queue").text)
    claim = client.post(
        f"/console/handoffs/{handoff['id']}/claim",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert claim.status_code == 404
    assert handoff_of(api, handoff["id"])["status"] == "waiting"


def test_two_officers_claiming_at_once_exactly_one_wins(
    app_settings: Any, iocl: dict[str, Any], iocl2: dict[str, Any], api: TestClient
) -> None:
    with live_server(app_settings) as url:
        for _round in range(5):
            handoff = open_handoff(api)
            clients = []
            for officer in (iocl, iocl2):
                client = httpx.Client(base_url=url, timeout=30)
                page = client.get("/console/login")
                response = client.post(
                    "/console/login",
                    data={
                        "username": officer["username"],
                        "password": "correct horse battery",
                        "csrf_token": csrf_of(page.text),
                    },
                )
                assert response.status_code in (200, 303), response.text
                token = csrf_of(client.get(f"/console/handoffs/{handoff['id']}").text)
                clients.append((client, token))
            barrier = threading.Barrier(2)
            results: list[httpx.Response] = []
            path = f"/console/handoffs/{handoff['id']}/claim"
            threads = [
                threading.Thread(
                    target=_claim, args=(client, token, path, barrier, results)
                )
                for client, token in clients
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            codes = sorted(r.status_code for r in results)
            assert codes == [303, 409], codes
            loser = next(r for r in results if r.status_code == 409)
            winner = handoff_of(api, handoff["id"])["officer"]["display_name"]
            assert f"Already claimed by {winner}" in loser.text
            for client, _token in clients:
                client.close()


def _claim(
    client: httpx.Client,
    token: str,
    path: str,
    barrier: threading.Barrier,
    results: list[httpx.Response],
) -> None:
    barrier.wait()
    results.append(client.post(path, data={"csrf_token": token}))


# --- the conversation ---------------------------------------------------------------


def claimed(console_for: Any, officer: dict, api: TestClient, **extra: Any) -> tuple:
    client = console_for(officer)
    handoff = open_handoff(api, **extra)
    page = f"/console/handoffs/{handoff['id']}"
    response = post_form(client, f"{page}/claim", page)
    assert response.status_code == 303, response.text
    return client, handoff, page


def test_the_view_shows_the_bot_transcript_collected_fields_and_messages(
    console_for: Any, iocl: dict[str, Any], api: TestClient, rasa: FakeRasa
) -> None:
    client, handoff, page = claimed(console_for, iocl, api)
    rasa.transcripts[handoff["sender_id"]] = [
        {"event": "user", "text": "mera cylinder nahi aaya", "timestamp": 1},
        {"event": "bot", "text": "Aapka naam kya hai?", "timestamp": 2},
        {"event": "slot", "name": "x", "value": "y", "timestamp": 3},
    ]
    relay(api, handoff["id"], XSS)
    html = client.get(page).text
    assert html.index("mera cylinder nahi aaya") < html.index("Aapka naam kya hai?")
    assert "Sunita Devi" in html and "Rohtak" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert XSS not in html
    feed = client.get(f"/console/api/handoffs/{handoff['id']}").json()
    assert feed["mine"] is True and feed["status"] == "assigned"
    assert feed["messages"][-1]["text"] == XSS


def test_citizen_messages_reach_the_feed_at_once(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    client, handoff, _page = claimed(console_for, iocl, api)
    feed = f"/console/api/handoffs/{handoff['id']}"
    before = len(client.get(feed).json()["messages"])
    relay(api, handoff["id"], "kab tak jawab milega?")
    messages = client.get(feed).json()["messages"]
    assert len(messages) == before + 1
    assert messages[-1]["direction"] == "citizen"


def test_a_reply_is_recorded_for_the_channel_and_a_failure_shown(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    client, handoff, page = claimed(console_for, iocl, api)
    response = post_form(
        client, f"{page}/reply", page, text="Namaste, main dekh rahi hoon."
    )
    assert response.status_code == 303
    pending = api.get(
        f"/api/handoffs/{handoff['id']}/messages",
        params={"direction": "officer", "delivery_status": "pending"},
        headers=SERVICE,
    ).json()
    assert [m["text"] for m in pending] == ["Namaste, main dekh rahi hoon."]
    api.patch(
        f"/api/handoffs/{handoff['id']}/messages/{pending[0]['id']}",
        json={"delivery_status": "failed", "delivery_error": "outside_window"},
        headers=SERVICE,
    )
    assert "failed: outside_window" in client.get(page).text
    assert "handoff.reply" in audit_actions(api, str(handoff["id"]))


def test_an_empty_reply_and_a_reply_to_an_unclaimed_one_are_refused(
    console_for: Any, iocl: dict[str, Any], iocl2: dict[str, Any], api: TestClient
) -> None:
    client, _handoff, page = claimed(console_for, iocl, api)
    assert post_form(client, f"{page}/reply", page, text="   ").status_code == 422
    other = console_for(iocl2)
    response = post_form(other, f"{page}/reply", page, text="hello")
    assert response.status_code == 409
    assert "Claim the handoff" in response.text


def test_returning_resumes_the_bot_which_greets_again(
    console_for: Any, iocl: dict[str, Any], api: TestClient, rasa: FakeRasa
) -> None:
    client, handoff, page = claimed(console_for, iocl, api)
    response = post_form(client, f"{page}/return", page)
    assert response.status_code == 303
    assert handoff_of(api, handoff["id"])["status"] == "returned"
    assert rasa.triggered(handoff["sender_id"]) == [
        {"name": "EXTERNAL_handoff_returned", "entities": {}}
    ]
    owner = api.get(
        f"/api/conversations/messenger/{handoff['sender_id']}/owner", headers=SERVICE
    ).json()
    assert owner["owner"] == "bot"


def test_returning_is_refused_while_the_bot_is_down(
    console_for: Any, iocl: dict[str, Any], api: TestClient, rasa: FakeRasa
) -> None:
    client, handoff, page = claimed(console_for, iocl, api)
    rasa.up = False
    try:
        response = post_form(client, f"{page}/return", page)
    finally:
        rasa.up = True
    assert response.status_code == 503
    assert "The bot is not running" in response.text
    assert handoff_of(api, handoff["id"])["status"] == "assigned"


def test_a_failed_greeting_still_returns_and_the_officer_is_told(
    console_for: Any, iocl: dict[str, Any], api: TestClient, rasa: FakeRasa
) -> None:
    client, handoff, page = claimed(console_for, iocl, api)
    rasa.failing = ("/trigger_intent",)
    try:
        response = post_form(client, f"{page}/return", page)
    finally:
        rasa.failing = ()
    assert response.status_code == 502
    assert "could not greet the citizen" in response.text
    found = handoff_of(api, handoff["id"])
    assert found["status"] == "returned"
    assert found["messages"][-1]["direction"] == "system"
    assert found["messages"][-1]["text"] == "returned to the bot"


def test_closing_can_resolve_the_complaint_with_a_note(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    complaint = api.post(
        "/api/complaints",
        json={
            "category": "lpg_delivery", "full_name": "Sunita Devi",
            "location": "Rohtak", "service_agency": "Indane agency",
            "language": "en", "channel": "messenger", "sender_id": unique("PSID"),
        },
        headers={**SERVICE, "Idempotency-Key": unique("key")},
    ).json()  # fmt: skip
    client, handoff, page = claimed(
        console_for, iocl, api, complaint_reference=complaint["reference"],
        sender_id=complaint["sender_id"],
    )  # fmt: skip
    response = post_form(
        client, f"{page}/close", page, resolve="on", note="Cylinder delivered today."
    )
    assert response.status_code == 303
    assert handoff_of(api, handoff["id"])["status"] == "closed"
    stored = api.get(f"/api/complaints/{complaint['reference']}", headers=ADMIN).json()
    assert stored["status"] == "resolved"
    assert stored["history"][-1]["note"] == "Cylinder delivered today."


# --- complaints ---------------------------------------------------------------------


def file(api: TestClient, agency: str) -> dict[str, Any]:
    response = api.post(
        "/api/complaints",
        json={
            "category": "lpg_delivery", "full_name": "Sunita Devi",
            "location": "Rohtak", "service_agency": agency, "language": "hi",
            "channel": "x", "sender_id": unique("x"),
        },
        headers={**SERVICE, "Idempotency-Key": unique("key")},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


def test_complaints_list_filters_and_scoping(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    mine = file(api, "Indane gas agency")
    theirs = file(api, "HP Gas agency")
    client = console_for(iocl)
    html = client.get("/console/complaints", params={"status": "submitted"}).text
    assert mine["reference"] in html and theirs["reference"] not in html
    html = client.get("/console/complaints", params={"status": "resolved"}).text
    assert mine["reference"] not in html
    html = client.get("/console/complaints", params={"overdue": "yes"}).text
    assert mine["reference"] not in html
    page = client.get(f"/console/complaints/{theirs['reference']}")
    assert page.status_code == 404


def test_a_status_change_with_a_note_shows_in_the_history_and_the_audit(
    console_for: Any, iocl: dict[str, Any], api: TestClient
) -> None:
    complaint = file(api, "Indane gas agency")
    client = console_for(iocl)
    page = f"/console/complaints/{complaint['reference']}"
    response = post_form(
        client, f"{page}/status", page, status="in_progress", note="Called the agency."
    )
    assert response.status_code == 303
    html = client.get(page).text
    assert "Called the agency." in html and "in_progress" in html
    illegal = post_form(client, f"{page}/status", page, status="closed")
    assert illegal.status_code == 409
    actions = audit_actions(api, complaint["reference"])
    assert "complaint.status" in actions and "console.view" in actions
