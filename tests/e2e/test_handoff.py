"""Human handoff through the whole stack (real Rasa, action server, backend with its
console, channel connectors and the platform simulator).

- C12 on Messenger: after "mujhe officer se baat karni hai" the bot says nothing
  (also to a `standby` delivery and to `/restart`), every message reaches the
  officer, and the bot speaks again only after the officer returns the conversation.
- The REST channel keeps the same silence; `GET /api/handoffs?sender_id=&status=`.
- Officer replies reach the citizen through the simulator with Messenger's messaging
  type and tag at 1 hour, 30 hours and 8 days after the citizen's last message.
- The timeout path: nobody claims, the complaint is registered, the citizen is told.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from simulator import payloads
from tests.channels.stack.citizen import Citizen, http
from tests.channels.stack.officer import Backend, Console, wait_for

from .conftest import E2EStack

REFERENCE = re.compile(r"MOPNG-\d{4}-\d{6}")
HOUR_MS = 3600 * 1000


@pytest.fixture(scope="module")
def backend(e2e_stack: E2EStack) -> Backend:
    settings = e2e_stack.scratch.settings
    return Backend(
        e2e_stack.scratch.backend_url,
        settings["ESEVA_SERVICE_TOKEN"],
        settings["ESEVA_ADMIN_TOKEN"],
    )


@pytest.fixture(scope="module")
def sim_url(e2e_stack: E2EStack) -> Iterator[str]:
    if not any(s.name == "simulator" for s in e2e_stack.scratch.stack.services):
        pytest.fail("the stack runs without the simulator", pytrace=False)
    yield f"http://127.0.0.1:{e2e_stack.scratch.ports.simulator}"


def messenger_citizen(e2e_stack: E2EStack, sim_url: str) -> Citizen:
    citizen = Citizen.of(
        e2e_stack.scratch, "messenger", f"PSID_{uuid.uuid4().hex[:10]}"
    )
    assert citizen.sim_url == sim_url
    return citizen


def test_c12_after_handoff_the_bot_stays_quiet_on_messenger(
    e2e_stack: E2EStack, backend: Backend, sim_url: str
) -> None:
    citizen = messenger_citizen(e2e_stack, sim_url)
    assert citizen.deliver([citizen.event("mujhe officer se baat karni hai")]) == 200
    told = citizen.wait_for_reply(0)
    assert any("officer" in m["text"].lower() for m in told)
    assert any(re.search(r"\d+ minute", m["text"]) for m in told), told
    [handoff] = wait_for(
        lambda: backend.handoffs(citizen.sender_id, "waiting"), what="the handoff"
    )
    assert handoff["reason"] == "citizen_asked" and handoff["channel"] == "messenger"
    seen = len(citizen.bot_messages())

    asked_at = time.monotonic()
    assert (
        citizen.deliver(
            [citizen.event("hello?"), citizen.event("kab tak jawab milega?")]
        )
        == 200
    )
    standby = citizen.event("koi hai?")
    envelope = payloads.fb_delivery(citizen.page_id, [standby], standby=True)
    delivered = http("POST", f"{sim_url}/_sim/deliver/messenger", envelope)
    assert delivered["status"] == 200
    assert citizen.deliver([citizen.event("/restart")]) == 200
    texts = wait_for(
        lambda: (t := [m["text"] for m in backend.messages(handoff["id"], "citizen")])
        and len(t) >= 4
        and t,
        what="the citizen's messages at the officer",
    )
    assert texts[:2] == ["hello?", "kab tak jawab milega?"]
    assert "koi hai?" in texts and "/restart" in texts
    assert (
        time.monotonic() - asked_at < 10
    )  # reached the handoff; the console polls 1 s
    time.sleep(3)
    assert len(citizen.bot_messages()) == seen, "the bot spoke while not its own"

    # Nothing named a company yet: the ministry's officers see it, a company's not.
    assert handoff["company"] is None
    outsider = Console(e2e_stack.scratch.backend_url, backend.officer("IOCL"))
    assert outsider.act(handoff["id"], "claim").status_code == 404
    officer = Console(e2e_stack.scratch.backend_url, backend.officer("MOPNG"))
    assert officer.act(handoff["id"], "claim").status_code == 200
    page = officer.page(handoff["id"])
    assert "kab tak jawab milega?" in page and "mujhe officer se baat karni hai" in page
    assert officer.act(handoff["id"], "reply", text="Namaste, main dekh raha hoon.").ok
    reply = wait_for(
        lambda: [
            m
            for m in citizen.bot_messages()
            if m["text"] == "Namaste, main dekh raha hoon."
        ],
        what="the officer's reply at the citizen",
    )
    assert reply
    returned = officer.act(handoff["id"], "return")
    assert returned.status_code == 200, returned.text
    assert backend.handoff(handoff["id"])["status"] == "returned"
    greeting = wait_for(
        lambda: [m for m in citizen.bot_messages() if "wapas" in m["text"]],
        what="the bot's greeting after the return",
    )
    assert greeting
    before = len(citizen.bot_messages())
    assert citizen.deliver([citizen.event("namaste")]) == 200
    assert citizen.wait_for_reply(before), "the bot does not answer after the return"


def test_rest_channel_silence_and_the_handoff_list(
    e2e_stack: E2EStack, backend: Backend, sender: str
) -> None:
    bot = e2e_stack.bot
    told = bot.say(sender, "mujhe officer se baat karni hai")
    assert any("officer" in (m.get("text") or "").lower() for m in told)
    [handoff] = backend.handoffs(sender, "waiting")
    assert handoff["reason"] == "citizen_asked"
    events = bot.event_count(sender)
    for text in ("hello?", "/restart", "kab tak jawab milega?"):
        assert bot.say(sender, text) == []
    assert bot.event_count(sender) == events
    texts = [m["text"] for m in backend.messages(handoff["id"], "citizen")]
    assert texts == ["hello?", "/restart", "kab tak jawab milega?"]
    assert backend.handoffs(sender, "assigned") == []


@pytest.mark.parametrize(
    ("age_hours", "outcome"),
    [(1, "RESPONSE"), (30, "HUMAN_AGENT"), (8 * 24, "refused")],
)
def test_officer_replies_follow_messengers_window(
    e2e_stack: E2EStack, backend: Backend, sim_url: str, age_hours: int, outcome: str
) -> None:
    citizen = messenger_citizen(e2e_stack, sim_url)
    handoff = backend.open("messenger", citizen.sender_id)
    citizen.clock_ms = int(time.time() * 1000) - age_hours * HOUR_MS
    assert citizen.deliver([citizen.event("hello, koi officer hai?")]) == 200
    wait_for(
        lambda: backend.messages(handoff["id"], "citizen"), what="the relayed message"
    )
    officer = Console(e2e_stack.scratch.backend_url, backend.officer())
    assert officer.act(handoff["id"], "claim").ok
    text = f"Officer reply after {age_hours} h"
    assert officer.act(handoff["id"], "reply", text=text).ok
    message = backend.delivered(handoff["id"], text)
    sent = http(
        "GET",
        f"{sim_url}/_sim/sent?platform=messenger&recipient_id={citizen.sender_id}",
    )["items"]
    if outcome == "refused":
        assert message["delivery_status"] == "failed"
        assert message["delivery_error"] == "outside_human_agent_window"
        assert [s for s in sent if s["status"] < 300] == []
        assert "failed: outside_human_agent_window" in officer.page(handoff["id"])
        return
    assert message["delivery_status"] == "sent"
    [item] = [s for s in sent if (s["body"].get("message") or {}).get("text") == text]
    if outcome == "RESPONSE":
        assert item["body"]["messaging_type"] == "RESPONSE"
        assert "tag" not in item["body"]
    else:
        assert item["body"]["messaging_type"] == "MESSAGE_TAG"
        assert item["body"]["tag"] == "HUMAN_AGENT"


def test_automated_messages_are_never_tagged(sim_url: str) -> None:
    sent = http("GET", f"{sim_url}/_sim/sent?platform=messenger")["items"]
    tagged = [s for s in sent if s["body"].get("tag")]
    assert all(
        (s["body"].get("message") or {}).get("text", "").startswith("Officer reply")
        for s in tagged
    ), tagged


def test_nobody_claims_the_complaint_is_registered_and_told(
    e2e_stack: E2EStack, backend: Backend, sender: str
) -> None:
    """The timeout path as the backend's watcher takes it (its clock, sla.yml's
    pickup time, is tested in tests/console/test_watcher.py): the complaint is filed
    with what the bot collected and the resumed bot tells the reference."""
    bot = e2e_stack.bot
    bot.say(sender, "mera Indane cylinder 5 din se nahi aaya")
    bot.say(sender, "Sunita Devi")
    bot.say(sender, "mujhe officer se baat karni hai")
    [handoff] = backend.handoffs(sender, "waiting")
    assert handoff["collected"]["full_name"] == "Sunita Devi"
    events = bot.event_count(sender)
    response = requests.post(
        f"{backend.url}/api/handoffs/{handoff['id']}/timeout",
        headers=backend.admin,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    reference = response.json()["complaint_reference"]
    assert REFERENCE.fullmatch(reference)
    complaint = requests.get(
        f"{backend.url}/api/complaints/{reference}", headers=backend.admin, timeout=10
    ).json()
    assert complaint["full_name"] == "Sunita Devi"
    assert (complaint["channel"], complaint["sender_id"]) == ("rest", sender)
    assert complaint["company"] == "IOCL"
    said = " ".join(bot.bot_texts(sender, events))
    assert reference in said
    assert "shikayat" in said.lower()  # in the citizen's Hinglish
    assert bot.say(sender, "theek hai, dhanyavaad"), "the bot owns it again"
