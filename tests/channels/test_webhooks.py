"""The connectors' HTTP surface in a running server: CRC and subscription checks,
refusals, the officer send endpoint, the storm of redeliveries, restart recovery."""

from __future__ import annotations

import asyncio
import logging
import random
import time

import pytest

from bot.channels import store as states
from bot.channels.message import InboundMessage
from simulator import payloads
from tests.channels.harness import (
    APP_SECRET,
    DESK_ID,
    PAGE_ID,
    SERVICE_TOKEN,
    VERIFY_TOKEN,
    Stack,
    start_stack,
    stop_stack,
)

pytestmark = pytest.mark.asyncio


async def test_x_crc_vector_through_the_server(stack: Stack) -> None:
    url = f"{stack.bot_url}/webhooks/x/webhook"
    async with stack.http.get(
        url, params={"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"}
    ) as r:
        assert r.status == 200
        assert await r.json() == {
            "response_token": "sha256=xKhLyNWGS9gEEsnl9aYv+nadpDfnrogRT+zIQvsC1p0="
        }
    async with stack.http.get(url) as r:
        assert r.status == 400


async def test_messenger_subscription_check(stack: Stack) -> None:
    url = f"{stack.bot_url}/webhooks/messenger/webhook"
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with stack.http.get(url, params=good) as r:
        assert r.status == 200 and await r.text() == "1158201444"
    async with stack.http.get(url, params={**good, "hub.verify_token": "wrong"}) as r:
        assert r.status == 403
    async with stack.http.get(url, params={**good, "hub.mode": "unsubscribe"}) as r:
        assert r.status == 403


async def test_the_simulator_registers_webhooks_like_the_platforms(
    stack: Stack,
) -> None:
    for platform in ("x", "messenger"):
        async with stack.http.post(f"{stack.sim_url}/_sim/verify/{platform}") as r:
            assert (await r.json())["ok"] is True, platform


async def test_signed_but_malformed_json_is_a_400(stack: Stack) -> None:
    from simulator.signing import meta_headers

    body = b'{"object": "page", "entry": ['
    async with stack.http.post(
        f"{stack.bot_url}/webhooks/messenger/webhook",
        data=body,
        headers=meta_headers(body, APP_SECRET),
    ) as r:
        assert r.status == 400
        assert (await r.json())["error"]["code"] == "bad_json"


async def test_typing_and_read_events_are_acknowledged_and_ignored(
    stack: Stack,
) -> None:
    result = await stack.deliver("x", payloads.x_typing_delivery(DESK_ID, "2001"))
    assert result["status"] == 200
    read = payloads.fb_delivery(
        PAGE_ID, [payloads.fb_event("PSID_1", PAGE_ID, read={"watermark": 1})]
    )
    assert (await stack.deliver("messenger", read))["status"] == 200
    await stack.settle()
    assert stack.bot.turns == [] and stack.sim_state.sent == []


async def test_send_endpoint_needs_the_service_token_and_a_valid_body(
    stack: Stack,
) -> None:
    url = f"{stack.bot_url}/webhooks/x/send"
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    async with stack.http.post(url, json={"recipient_id": "2001", "text": "hi"}) as r:
        assert r.status == 401
    async with stack.http.post(url, json={"recipient_id": "2001"}, headers=auth) as r:
        assert r.status == 422 and (await r.json())["error"]["field"] == "text"
    async with stack.http.post(url, data=b"not json", headers=auth) as r:
        assert r.status == 400
    async with stack.http.post(
        url, json={"recipient_id": "2001", "text": "Officer here."}, headers=auth
    ) as r:
        body = await r.json()
        assert r.status == 200 and body["status"] == "sent"
    [sent] = stack.sent("x", "2001")
    assert sent["body"] == {"text": "Officer here."}


async def test_blocked_x_recipient_is_reported_not_retried(stack: Stack) -> None:
    async with stack.http.post(
        f"{stack.sim_url}/_sim/faults", json={"platform": "x", "kind": "blocked"}
    ):
        pass
    async with stack.http.post(
        f"{stack.bot_url}/webhooks/x/send",
        json={"recipient_id": "2001", "text": "Update", "human": False},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    ) as r:
        body = await r.json()
        assert r.status == 502 and body["error"]["code"] == "forbidden"
    assert len(stack.sent("x", "2001", ok=False)) == 1


@pytest.mark.parametrize("platform", ["x", "messenger"])
async def test_a_simulated_fault_for_one_recipient_spares_the_others(
    stack: Stack, platform: str
) -> None:
    blocked, other = ("2101", "2102") if platform == "x" else ("PSID_B", "PSID_O")
    fault = {"platform": platform, "kind": "blocked", "recipient_id": blocked}
    async with stack.http.post(f"{stack.sim_url}/_sim/faults", json=fault) as r:
        assert r.status == 200
    bad = {**fault, "recipient_id": ""}
    async with stack.http.post(f"{stack.sim_url}/_sim/faults", json=bad) as r:
        assert r.status == 422 and (await r.json())["error"]["field"] == "recipient_id"

    statuses = {}
    for recipient in (other, blocked, blocked):
        async with stack.http.post(
            f"{stack.bot_url}/webhooks/{platform}/send",
            json={"recipient_id": recipient, "text": "Update", "human": True},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        ) as r:
            statuses.setdefault(recipient, []).append(r.status)
    # The platform refused the first DM to the blocked citizen only; once used up,
    # the fault is gone.
    assert statuses == {other: [200], blocked: [502, 200]}
    calls = [s["status"] for s in stack.sent(platform, blocked, ok=False)]
    assert len(calls) == 2 and calls[0] >= 400 and calls[1] < 300


async def test_long_replies_are_split_under_each_limit(stack: Stack) -> None:
    await stack.deliver(
        "messenger",
        payloads.fb_delivery(
            PAGE_ID, [payloads.fb_event("P1", PAGE_ID, payloads.fb_text("long"))]
        ),
    )
    await stack.deliver(
        "x",
        payloads.x_dm_delivery(DESK_ID, [payloads.x_dm_event("2001", DESK_ID, "long")]),
    )
    await stack.settle()
    messenger = [s["body"]["message"]["text"] for s in stack.sent("messenger", "P1")]
    x = [s["body"]["text"] for s in stack.sent("x", "2001")]
    assert len(messenger) > 1 and all(len(t) <= 2000 for t in messenger)
    assert all(t.endswith((".", "।")) for t in messenger)
    assert len(x) == 1 and len(x[0]) <= 10000


async def test_redelivery_storm_twenty_citizens(stack: Stack) -> None:
    """Each event three times, out of order, 20 citizens on each channel: exactly one
    turn per event and one complaint per citizen."""
    rng = random.Random(7)
    deliveries = []
    for n in range(20):
        psid = f"PSID_{3000 + n}"
        opening = payloads.fb_event(
            psid, PAGE_ID, payloads.fb_text("cylinder nahi aaya", mid=f"m_S_{n}_a")
        )
        confirm = payloads.fb_event(
            psid, PAGE_ID, payloads.fb_text("confirm", mid=f"m_S_{n}_b")
        )
        confirm["timestamp"] = opening["timestamp"] + 1000
        deliveries += [
            ("messenger", payloads.fb_delivery(PAGE_ID, [e]))
            for e in (opening, confirm)
        ] * 3
        user = str(5000 + n)
        events = [
            payloads.x_dm_event(
                user, DESK_ID, "cylinder nahi aaya", event_id=f"17{n:03d}01"
            ),
            payloads.x_dm_event(user, DESK_ID, "confirm", event_id=f"17{n:03d}02"),
        ]
        deliveries += [("x", payloads.x_dm_delivery(DESK_ID, [e])) for e in events] * 3
    rng.shuffle(deliveries)

    results = await asyncio.gather(*(stack.deliver(p, body) for p, body in deliveries))
    assert all(r["status"] == 200 for r in results)
    await stack.settle(timeout=60)

    assert len(stack.bot.turns) == 80
    assert len({t.message_id for t in stack.bot.turns}) == 80
    assert set(stack.bot.complaints.values()) == {1} and len(stack.bot.complaints) == 40
    assert stack.bot.overlaps == 0
    for n in range(20):
        replies = stack.sent("messenger", f"PSID_{3000 + n}")
        log = stack.messenger.store.sends("messenger", f"PSID_{3000 + n}")
        assert len(replies) == 2, (replies, log)


async def test_acknowledged_messages_survive_a_restart(sqlite_url: str) -> None:
    """A message acknowledged but not processed when the process stopped is processed
    when it starts again, and its redelivery still changes nothing."""
    first = await start_stack(sqlite_url)
    message = InboundMessage(
        channel="messenger", sender_id="PSID_9", message_id="m_LOST_1", text="confirm"
    )
    assert first.messenger.store.claim(
        "messenger", "m_LOST_1", "PSID_9", message.to_dict()
    )
    await stop_stack(first)

    second = await start_stack(sqlite_url)
    try:
        await second.settle()
        assert [t.text for t in second.bot.turns] == ["confirm"]
        assert second.messenger.store.state("messenger", "m_LOST_1") == states.ANSWERED
        again = payloads.fb_delivery(
            PAGE_ID,
            [
                payloads.fb_event(
                    "PSID_9", PAGE_ID, payloads.fb_text("confirm", mid="m_LOST_1")
                )
            ],
        )
        assert (await second.deliver("messenger", again))["status"] == 200
        await second.settle()
        assert len(second.bot.turns) == 1
    finally:
        await stop_stack(second)


async def test_x_quick_replies_through_v1_when_configured(sqlite_url: str) -> None:
    stack = await start_stack(sqlite_url, quick_replies=True)
    try:
        await stack.deliver(
            "x",
            payloads.x_dm_delivery(
                DESK_ID, [payloads.x_dm_event("2001", DESK_ID, "options")]
            ),
        )
        await stack.settle()
        [sent] = stack.sent("x", "2001")
        assert sent["kind"] == "dm_v1"
        data = sent["body"]["event"]["message_create"]["message_data"]
        assert [o["metadata"] for o in data["quick_reply"]["options"]] == [
            "/complain_lpg_delivery",
            "/complain_pump_quality",
        ]
        tap = payloads.x_dm_event(
            "2001",
            DESK_ID,
            "LPG cylinder",
            quick_reply_metadata="/complain_lpg_delivery",
        )
        await stack.deliver("x", payloads.x_dm_delivery(DESK_ID, [tap]))
        await stack.settle()
        assert stack.bot.turns[-1].text == "/complain_lpg_delivery"
    finally:
        await stop_stack(stack)


async def test_simulator_chat_page_and_citizen_endpoint(stack: Stack) -> None:
    async with stack.http.get(f"{stack.sim_url}/") as r:
        page = await r.text()
        assert r.status == 200 and "textContent" in page and "innerHTML" not in page
    html = "<img src=x onerror=alert(1)>"
    async with stack.http.post(
        f"{stack.sim_url}/_sim/citizen/messenger",
        json={"sender_id": "P77", "text": html},
    ) as r:
        assert (await r.json())["status"] == 200
    async with stack.http.post(
        f"{stack.sim_url}/_sim/citizen/messenger",
        json={"sender_id": "P77", "attachment": "location"},
    ) as r:
        assert (await r.json())["status"] == 200
    await stack.settle()
    async with stack.http.get(f"{stack.sim_url}/_sim/conversation/messenger/P77") as r:
        items = (await r.json())["items"]
    assert [i["from"] for i in items] == ["citizen", "citizen", "bot", "bot"] or [
        i["from"] for i in items
    ] == ["citizen", "bot", "citizen", "bot"]
    assert items[0]["text"] == html
    assert [t.text for t in stack.bot.turns] == [html, "/share_location"]
    async with stack.http.post(
        f"{stack.sim_url}/_sim/citizen/messenger", json={"text": "no sender"}
    ) as r:
        assert r.status == 422


async def test_media_is_relayed_as_lines_and_a_closed_handoff_returns_to_the_bot(
    stack: Stack,
) -> None:
    stack.backend.owners[("messenger", "PSID_1")] = {
        "owner": "officer",
        "handoff_id": 5,
    }
    photo = payloads.fb_event(
        "PSID_1", PAGE_ID, payloads.fb_attachment("image", mid="m_R1")
    )
    pin = payloads.fb_event(
        "PSID_1", PAGE_ID, payloads.fb_attachment("location", mid="m_R2")
    )
    pin["timestamp"] = photo["timestamp"] + 1
    await stack.deliver("messenger", payloads.fb_delivery(PAGE_ID, [photo, pin]))
    await stack.settle()
    texts = [r["text"] for r in stack.backend.relayed]
    assert texts[0].startswith("[image] https://scontent.xx.fbcdn.net/")
    assert texts[1] == "[location] 28.8955, 76.6066"
    assert stack.bot.turns == []

    # The officer closed the handoff between the owner check and the relay.
    stack.backend.ended.add("5")
    late = payloads.fb_event("PSID_1", PAGE_ID, payloads.fb_text("thanks", mid="m_R3"))
    await stack.deliver("messenger", payloads.fb_delivery(PAGE_ID, [late]))
    standby = payloads.fb_event(
        "PSID_1", PAGE_ID, payloads.fb_text("hello", mid="m_R4")
    )
    await stack.deliver(
        "messenger", payloads.fb_delivery(PAGE_ID, [standby], standby=True)
    )
    await stack.settle()
    assert [t.text for t in stack.bot.turns] == ["thanks"]
    assert stack.messenger.store.state("messenger", "m_R3") == states.ANSWERED
    assert stack.messenger.store.state("messenger", "m_R4") == states.IGNORED


async def test_officer_replies_are_sent_and_reported(sqlite_url: str) -> None:
    """Pending officer replies go out as human messages (HUMAN_AGENT after 24 h),
    once; what happened is reported to the backend, failures with the reason."""
    stack = await start_stack(sqlite_url, officer_poll=0.2)
    try:
        now = time.time()
        store = stack.messenger.store
        store.note_inbound("messenger", "PSID_1001", now - 30 * 3600)
        store.note_inbound("messenger", "PSID_1002", now - 8 * 24 * 3600)
        backend = stack.backend
        backend.handoffs = [
            {
                "id": 7,
                "channel": "messenger",
                "sender_id": "PSID_1001",
                "status": "assigned",
            },
            {
                "id": 8,
                "channel": "messenger",
                "sender_id": "PSID_1002",
                "status": "assigned",
            },
            {"id": 9, "channel": "x", "sender_id": "2001", "status": "assigned"},
            {"id": 10, "channel": "x", "sender_id": "2002", "status": "waiting"},
        ]
        for handoff_id in ("7", "8", "9", "10"):
            backend.messages[handoff_id] = [
                {
                    "id": 1,
                    "direction": "citizen",
                    "text": "hello?",
                    "delivery_status": "received",
                },
                {
                    "id": 2,
                    "direction": "officer",
                    "text": f"Officer reply {handoff_id}",
                    "delivery_status": "pending",
                },
            ]
        for _ in range(100):
            await asyncio.sleep(0.1)
            states_now = [
                backend.messages[h][1]["delivery_status"] for h in ("7", "8", "9")
            ]
            if "pending" not in states_now:
                break
        await asyncio.sleep(0.5)  # another poll or two: nothing goes out twice

        assert backend.messages["7"][1]["delivery_status"] == "sent"
        assert backend.messages["8"][1] == {
            **backend.messages["8"][1],
            "delivery_status": "failed",
            "delivery_error": "outside_human_agent_window",
        }
        assert backend.messages["9"][1]["delivery_status"] == "sent"
        assert backend.messages["10"][1]["delivery_status"] == "pending"
        [tagged] = stack.sent("messenger", "PSID_1001")
        assert tagged["body"]["messaging_type"] == "MESSAGE_TAG"
        assert tagged["body"]["tag"] == "HUMAN_AGENT"
        assert tagged["body"]["message"]["text"] == "Officer reply 7"
        assert stack.sent("messenger", "PSID_1002", ok=False) == []
        [dm] = stack.sent("x", "2001")
        assert dm["body"] == {"text": "Officer reply 9"}
        assert stack.sent("x", "2002") == []
    finally:
        await stop_stack(stack)


async def test_markers_follow_what_the_domain_knows(stack: Stack) -> None:
    class Domain:
        intents = ["affirm", "inform"]

    stack.bot.domain = Domain()
    pin = payloads.fb_event(
        "PSID_M", PAGE_ID, payloads.fb_attachment("location", mid="m_M1")
    )
    await stack.deliver("messenger", payloads.fb_delivery(PAGE_ID, [pin]))
    await stack.settle()
    Domain.intents += ["share_attachment", "share_location"]
    pin = payloads.fb_event(
        "PSID_M", PAGE_ID, payloads.fb_attachment("location", mid="m_M2")
    )
    await stack.deliver("messenger", payloads.fb_delivery(PAGE_ID, [pin]))
    await stack.settle()
    assert [t.text for t in stack.bot.turns] == [
        "https://www.openstreetmap.org/?mlat=28.8955&mlon=76.6066",
        "/share_location",
    ]


async def test_logs_hold_ids_not_what_citizens_wrote(stack: Stack, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    private = ["Sunita Devi", "71000000123456789", "9800000000", "रोहतक"]
    text = "Main Sunita Devi, consumer 71000000123456789, mobile 9800000000, रोहतक"
    async with stack.http.post(
        f"{stack.sim_url}/_sim/faults", json={"platform": "x", "kind": "blocked"}
    ):
        pass
    stack.backend.owners[("messenger", "PSID_L2")] = {
        "owner": "officer",
        "handoff_id": 3,
    }
    deliveries = [
        (
            "x",
            payloads.x_dm_delivery(
                DESK_ID, [payloads.x_dm_event("2001", DESK_ID, text)]
            ),
        ),
        (
            "messenger",
            payloads.fb_delivery(
                PAGE_ID, [payloads.fb_event("PSID_L1", PAGE_ID, payloads.fb_text(text))]
            ),
        ),
        (
            "messenger",
            payloads.fb_delivery(
                PAGE_ID, [payloads.fb_event("PSID_L2", PAGE_ID, payloads.fb_text(text))]
            ),
        ),
        ("x", payloads.x_mention_delivery(DESK_ID, "2002", "@desk " + text)),
    ]
    for platform, body in deliveries:
        await stack.deliver(platform, body)
    await stack.deliver("x", deliveries[0][1], signature="bad")
    await stack.settle()
    assert len(stack.bot.turns) == 2 and len(stack.backend.relayed) == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "x DM in reply to" in logged  # the failed send was logged, by id
    for value in private:
        assert value not in logged


async def test_a_relay_the_backend_refused_is_tried_again_later(
    stack: Stack, monkeypatch
) -> None:
    from bot.channels import runtime

    monkeypatch.setattr(runtime, "RELAY_RETRY_BASE", 0.2)
    stack.backend.owners[("messenger", "PSID_RR")] = {
        "owner": "officer",
        "handoff_id": 4,
    }
    stack.backend.fail_relays = 5  # the first try (3 calls) and the first retry fail
    event = payloads.fb_event(
        "PSID_RR", PAGE_ID, payloads.fb_text("hello?", mid="m_RR1")
    )
    await stack.deliver("messenger", payloads.fb_delivery(PAGE_ID, [event]))
    for _ in range(100):
        await asyncio.sleep(0.1)
        if stack.messenger.store.state("messenger", "m_RR1") != states.QUEUED:
            break
    assert stack.messenger.store.state("messenger", "m_RR1") == states.RELAYED
    assert [r["platform_message_id"] for r in stack.backend.relayed] == ["m_RR1"]
    assert stack.bot.turns == []


async def test_a_public_post_from_the_chat_page_shows_its_public_reply(
    stack: Stack,
) -> None:
    post = {"sender_id": "2003", "text": "@desk cylinder 10 din se nahi aaya"}
    async with stack.http.post(f"{stack.sim_url}/_sim/citizen/x/post", json=post) as r:
        assert (await r.json())["status"] == 200
    await stack.settle()
    async with stack.http.get(f"{stack.sim_url}/_sim/conversation/x/2003") as r:
        items = (await r.json())["items"]
    assert [i["from"] for i in items] == ["citizen", "bot"]
    assert items[1]["text"].startswith("[public reply] Humein likhne ke liye")
    assert stack.bot.turns == []
