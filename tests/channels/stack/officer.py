"""The officer's side of a running stack, for the full-stack handoff tests: officers
made through the admin API, acting through the console's forms or the backend's API,
and the handoffs and their messages as the backend stores them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import requests

PASSWORD = "handoff-test-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def wait_for(
    check: Callable[[], Any], timeout: float = 30.0, what: str = "condition"
) -> Any:
    """The first truthy value of `check`, polled every 0.2 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


class Officer(Protocol):
    """An officer acting on a handoff: `claim`, `reply` (field `text`), `return`."""

    def act(self, handoff_id: int, action: str, **fields: str) -> requests.Response:
        """Do `action` on the handoff; the HTTP answer."""


class Console:
    """An officer in the console, through its HTML forms (session cookie + CSRF)."""

    def __init__(self, backend_url: str, username: str) -> None:
        self.url = backend_url
        self.http = requests.Session()
        page = self.http.get(f"{self.url}/console/login", timeout=10)
        response = self.http.post(
            f"{self.url}/console/login",
            data={
                "username": username,
                "password": PASSWORD,
                "csrf_token": CSRF.search(page.text).group(1),
            },
            timeout=10,
        )
        assert response.status_code == 200 and "/console/queue" in response.url

    def page(self, handoff_id: int) -> str:
        return self.http.get(
            f"{self.url}/console/handoffs/{handoff_id}", timeout=30
        ).text

    def act(self, handoff_id: int, action: str, **fields: str) -> requests.Response:
        token = CSRF.search(self.page(handoff_id)).group(1)
        return self.http.post(
            f"{self.url}/console/handoffs/{handoff_id}/{action}",
            data={"csrf_token": token, **fields},
            timeout=60,
        )


class ApiOfficer:
    """An officer through the backend's API with the officer's bearer token."""

    def __init__(self, backend_url: str, token: str) -> None:
        self.url = backend_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def act(self, handoff_id: int, action: str, **fields: str) -> requests.Response:
        handoff = f"{self.url}/api/handoffs/{handoff_id}"
        if action == "reply":
            body = {"text": fields["text"], "direction": "officer"}
            return requests.post(
                f"{handoff}/messages", json=body, headers=self.headers, timeout=30
            )
        return requests.post(f"{handoff}/{action}", headers=self.headers, timeout=60)


class Backend:
    """The backend's API with the service and admin tokens."""

    def __init__(self, url: str, service: str, admin: str) -> None:
        self.url = url
        self.service = {"Authorization": f"Bearer {service}"}
        self.admin = {"Authorization": f"Bearer {admin}"}

    def _new_officer(self, company: str) -> dict[str, Any]:
        username = f"e2e-{uuid.uuid4().hex[:10]}"
        response = requests.post(
            f"{self.url}/api/officers",
            json={
                "username": username,
                "display_name": f"Officer {username[-4:]}",
                "company": company,
                "role": "officer",
                "password": PASSWORD,
            },
            headers=self.admin,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def officer(self, company: str = "IOCL") -> str:
        """A new officer of `company`; their username (password PASSWORD)."""
        return self._new_officer(company)["username"]

    def api_officer(self, company: str = "IOCL") -> ApiOfficer:
        """A new officer of `company`, acting through the API."""
        return ApiOfficer(self.url, self._new_officer(company)["token"])

    def handoffs(self, sender_id: str, status: str | None = None) -> list[dict]:
        params = {"sender_id": sender_id, **({"status": status} if status else {})}
        response = requests.get(
            f"{self.url}/api/handoffs", params=params, headers=self.service, timeout=10
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items"}
        return body["items"]

    def handoff(self, handoff_id: int) -> dict[str, Any]:
        return requests.get(
            f"{self.url}/api/handoffs/{handoff_id}", headers=self.service, timeout=10
        ).json()

    def messages(self, handoff_id: int, direction: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.handoff(handoff_id)["messages"]
            if m["direction"] == direction
        ]

    def delivered(self, handoff_id: int, text: str) -> dict[str, Any]:
        """The officer message `text` once its delivery is reported (sent or
        failed)."""
        [message] = wait_for(
            lambda: [
                m
                for m in self.messages(handoff_id, "officer")
                if m["text"] == text and m["delivery_status"] != "pending"
            ],
            what="the reply's delivery report",
        )
        return message

    def open(self, channel: str, sender_id: str, **extra: Any) -> dict[str, Any]:
        body = {
            "channel": channel,
            "sender_id": sender_id,
            "reason": "citizen_asked",
            "language": "hi-Latn",
            "collected": {"category": "lpg_delivery", "service_agency": "Indane gas"},
            **extra,
        }
        response = requests.post(
            f"{self.url}/api/handoffs", json=body, headers=self.service, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()
