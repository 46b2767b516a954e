"""The console in real headless Chromium (the system's /usr/bin/chromium, driven by
Playwright; no browser is ever downloaded): an officer signs in, sees a conversation
arrive, claims it, replies, sees the citizen's next message, returns it to the bot;
an officer of another company sees none of it; hostile citizen text stays text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect, sync_playwright

from conftest import SERVICE, live_server, make_officer, open_handoff, relay
from fake_rasa import FakeRasa

CHROMIUM = os.environ.get("ESEVA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<img src=x onerror=alert(1)>"
# Seconds a citizen message may take to show in the officer's open page.
ARRIVAL_LIMIT_MS = 2000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def server(app_settings: Any) -> Iterator[str]:
    with live_server(app_settings) as url:
        yield url


def signed_in_page(browser: Browser, url: str, officer: dict[str, Any]) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", officer["username"])
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{url}/console/queue")
    return page


def test_an_officer_takes_over_talks_and_hands_back(
    browser: Browser, server: str, api: TestClient, rasa: FakeRasa
) -> None:
    officer = make_officer(api, "IOCL", "Asha Verma")
    stranger = make_officer(api, "HPCL", "Meena Rao")
    page = signed_in_page(browser, server, officer)
    other = signed_in_page(browser, server, stranger)

    handoff = open_handoff(api, reason="citizen_asked")
    rasa.transcripts[handoff["sender_id"]] = [
        {"event": "user", "text": "mujhe officer se baat karni hai", "timestamp": 1},
        {"event": "bot", "text": "Maine aapki baatcheet officer ko saunp di hai.",
         "timestamp": 2},
    ]  # fmt: skip
    link = page.locator(f"#queue-rows a[href='/console/handoffs/{handoff['id']}']")
    expect(link).to_be_visible(timeout=ARRIVAL_LIMIT_MS + 1000)
    expect(page.locator("#queue-rows tr").first).to_contain_text("min")

    link.click()
    expect(page.locator("#transcript")).to_contain_text("mujhe officer se baat")
    expect(page.locator(".fields")).to_contain_text("Sunita Devi")
    page.click("#claim")
    expect(page.locator("#handoff-status")).to_have_text("assigned")

    page.fill("#reply-text", "Namaste Sunita ji, main aapki madad karungi.")
    page.click("#send-reply")
    expect(page.locator("#messages")).to_contain_text("main aapki madad karungi")
    stored = api.get(
        f"/api/handoffs/{handoff['id']}/messages",
        params={"direction": "officer"},
        headers=SERVICE,
    ).json()
    assert [m["delivery_status"] for m in stored] == ["pending"]

    relay(api, handoff["id"], "kab tak jawab milega?")
    expect(page.locator("#messages")).to_contain_text(
        "kab tak jawab milega?", timeout=ARRIVAL_LIMIT_MS
    )
    relay(api, handoff["id"], XSS)
    last = page.locator("#messages li.citizen .text").last
    expect(last).to_have_text(XSS, timeout=ARRIVAL_LIMIT_MS)
    assert page.locator("#messages img").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]

    screenshot = os.environ.get("ESEVA_CONSOLE_SCREENSHOT")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)

    # The other company's officer: not in the queue, and the page is a 404.
    hp_rows = other.locator("#queue-rows").inner_text()
    assert f"{handoff['id']}" not in hp_rows.split()
    response = other.goto(f"{server}/console/handoffs/{handoff['id']}")
    assert response is not None and response.status == 404
    assert "kab tak" not in other.content()

    page.click("#return")
    expect(page.locator("#handoff-status")).to_have_text("returned")
    assert rasa.triggered(handoff["sender_id"]) == [
        {"name": "EXTERNAL_handoff_returned", "entities": {}}
    ]
    assert page.dialogs == []  # type: ignore[attr-defined]
