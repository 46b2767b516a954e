"""An officer takes over an X conversation and hands it back, through the whole stack
(real Rasa, action server, backend, the simulator as X): the officer's reply reaches
the citizen's DMs, the citizen's next message reaches the officer and the bot says
nothing until the conversation is returned. A DM that X refuses shows as a failed
delivery on the officer's message (issue 5).

The same on Messenger, with its messaging window: tests/e2e/test_handoff.py."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.channels.stack.citizen import Citizen, http
from tests.channels.stack.officer import Backend, Console, Officer, wait_for

# How long the bot must stay quiet after a message it does not own (the connector
# answers within a second when it does own the conversation).
QUIET_SECONDS = 3.0


@pytest.fixture(scope="module")
def backend(full_stack) -> Backend:
    settings = full_stack.settings
    return Backend(
        full_stack.backend_url,
        settings["ESEVA_SERVICE_TOKEN"],
        settings["ESEVA_ADMIN_TOKEN"],
    )


def x_citizen(full_stack) -> Citizen:
    return Citizen.of(full_stack, "x", f"3{uuid.uuid4().int % 10**12:012d}")


def ministry_officer(full_stack, backend: Backend, desk: str) -> Officer:
    """An officer who sees conversations that named no company yet."""
    if desk == "api":
        return backend.api_officer("MOPNG")
    return Console(full_stack.backend_url, backend.officer("MOPNG"))


def said_to_rasa(full_stack, sender_id: str) -> list[str]:
    """The citizen's texts in Rasa's tracker."""
    rasa, token = full_stack.rasa_url, full_stack.settings["RASA_AUTH_TOKEN"]
    tracker = http("GET", f"{rasa}/conversations/{sender_id}/tracker?token={token}")
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.parametrize("desk", ["api", "console"])
def test_an_officer_takes_over_an_x_conversation_and_hands_it_back(
    full_stack, backend: Backend, desk: str
) -> None:
    citizen = x_citizen(full_stack)
    assert citizen.deliver([citizen.event("mujhe officer se baat karni hai")]) == 200
    told = citizen.wait_for_reply(0)
    assert any("officer" in m["text"].lower() for m in told), told
    [handoff] = wait_for(
        lambda: backend.handoffs(citizen.sender_id, "waiting"), what="the handoff"
    )
    assert (handoff["channel"], handoff["reason"]) == ("x", "citizen_asked")

    officer = ministry_officer(full_stack, backend, desk)
    claimed = officer.act(handoff["id"], "claim")
    assert claimed.status_code == 200, claimed.text
    assert backend.handoff(handoff["id"])["status"] == "assigned"
    reply = f"Namaste, main aapki baat dekh raha hoon ({desk})."
    assert officer.act(handoff["id"], "reply", text=reply).ok

    [dm] = wait_for(
        lambda: [m for m in citizen.bot_messages() if m["text"] == reply],
        what="the officer's reply in the citizen's DMs",
    )
    assert dm["options"] == []
    assert backend.delivered(handoff["id"], reply)["delivery_status"] == "sent"

    seen = len(citizen.bot_messages())
    question = "Theek hai, cylinder kab tak aayega?"
    assert citizen.deliver([citizen.event(question)]) == 200
    wait_for(
        lambda: question
        in [m["text"] for m in backend.messages(handoff["id"], "citizen")],
        what="the citizen's message at the officer",
    )
    time.sleep(QUIET_SECONDS)
    assert len(citizen.bot_messages()) == seen, "the bot spoke while not its own"
    assert question not in said_to_rasa(full_stack, citizen.sender_id)

    returned = officer.act(handoff["id"], "return")
    assert returned.status_code == 200, returned.text
    assert backend.handoff(handoff["id"])["status"] == "returned"
    # Either way back, the bot greets the citizen again.
    wait_for(
        lambda: [m for m in citizen.bot_messages() if "wapas" in m["text"]],
        what="the bot's greeting after the return",
    )
    before = len(citizen.bot_messages())
    assert citizen.deliver([citizen.event("namaste")]) == 200
    assert citizen.wait_for_reply(before), "the bot does not answer after the return"
    assert "namaste" in said_to_rasa(full_stack, citizen.sender_id)


def test_a_dm_x_refuses_shows_as_failed_on_the_officers_message(
    full_stack, backend: Backend
) -> None:
    citizen = x_citizen(full_stack)
    handoff = backend.open("x", citizen.sender_id)
    assert citizen.deliver([citizen.event("hello, koi officer hai?")]) == 200
    wait_for(
        lambda: backend.messages(handoff["id"], "citizen"), what="the relayed message"
    )
    username = backend.officer()
    console = Console(full_stack.backend_url, username)
    assert console.act(handoff["id"], "claim").ok

    # X answers 403 (code 349, "You cannot send messages to this user") for this
    # citizen only; it is not retried.
    sim = citizen.sim_url
    fault = {
        "platform": "x",
        "kind": "blocked",
        "count": 1,
        "recipient_id": citizen.sender_id,
    }
    assert http("POST", f"{sim}/_sim/faults", fault)["status"] == "planned"
    try:
        text = "Aapki shikayat par kaam ho raha hai."
        assert console.act(handoff["id"], "reply", text=text).ok
        message = backend.delivered(handoff["id"], text)
    finally:
        http("DELETE", f"{sim}/_sim/faults")

    assert message["delivery_status"] == "failed"
    assert message["delivery_error"] == "forbidden"
    calls = http("GET", f"{sim}/_sim/sent?platform=x&recipient_id={citizen.sender_id}")
    assert [(c["status"], c["body"].get("text")) for c in calls["items"]] == [
        (403, text)
    ]
    assert "failed: forbidden" in console.page(handoff["id"])

    # The refusal is the officer's to see, not the end of the conversation: the next
    # reply goes out once X accepts DMs to the citizen again.
    again = "Kya aap ab message dekh pa rahe hain?"
    assert console.act(handoff["id"], "reply", text=again).ok
    assert backend.delivered(handoff["id"], again)["delivery_status"] == "sent"
