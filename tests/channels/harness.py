"""A real Sanic server with both connectors mounted as Rasa mounts them, a stub bot in
place of Rasa, the simulator as X and Meta, and a fake backend for owner checks."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.messenger import MessengerInput, MessengerSettings
from bot.channels.settings import CommonSettings
from bot.channels.x import XInput, XSettings
from simulator.app import STATE, TASKS, create_app
from simulator.config import SimulatorConfig

X_SECRET = "test-consumer-secret"
X_OAUTH2_SECRET = "test-oauth2-client-secret"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
PAGE_ID = "PAGE_9000"
DESK_ID = "9999"
SERVICE_TOKEN = "test-service-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Turn:
    sender_id: str
    text: str
    message_id: str
    metadata: dict[str, Any]
    channel: str
    started: float
    finished: float = 0.0


class StubBot:
    """Stands in for Rasa's agent: records each turn and answers by fixed rules."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.complaints: dict[str, int] = {}
        self.active: dict[str, int] = {}
        self.overlaps = 0

    async def handle_message(self, message: UserMessage) -> None:
        key = f"{message.input_channel}:{message.sender_id}"
        self.active[key] = self.active.get(key, 0) + 1
        if self.active[key] > 1:
            self.overlaps += 1
        turn = Turn(
            message.sender_id,
            message.text or "",
            message.message_id,
            message.metadata or {},
            message.input_channel or "",
            time.monotonic(),
        )
        self.turns.append(turn)
        try:
            await self._answer(message, turn)
        finally:
            turn.finished = time.monotonic()
            self.active[key] -= 1

    async def _answer(self, message: UserMessage, turn: Turn) -> None:
        out = message.output_channel
        sender = message.sender_id
        text = turn.text
        if text.startswith("slow"):
            await asyncio.sleep(float(text.split()[-1]) if " " in text else 2.0)
        if text in {"confirm", "/affirm"} or text.startswith("confirm"):
            self.complaints[sender] = self.complaints.get(sender, 0) + 1
            await out.send_text_message(
                sender, f"Complaint registered: REF-{sender}-{self.complaints[sender]}"
            )
            return
        if text == "options":
            await out.send_quick_replies(
                sender,
                "Which service is your complaint about?",
                [
                    {"title": "LPG cylinder", "payload": "/complain_lpg_delivery"},
                    {
                        "title": "Petrol pump (fuel station outlet)",
                        "payload": "/complain_pump_quality",
                    },
                ],
            )
            return
        if text == "buttons":
            await out.send_text_with_buttons(
                sender,
                "Shall I file it?",
                [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            )
            return
        if text == "long":
            sentence = "मेरा सिलेंडर दस दिन से नहीं आया। The distributor did not answer. "
            await out.send_text_message(sender, sentence * 150)
            return
        await out.send_text_message(sender, f"got {turn.message_id}")


class FakeBackend:
    """The two backend routes the connectors call."""

    def __init__(self) -> None:
        self.owners: dict[tuple[str, str], dict[str, Any]] = {}
        self.relayed: list[dict[str, Any]] = []
        self.ended: set[str] = set()
        self.fail_relays = 0
        self.handoffs: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.owner_calls = 0
        self.app = web.Application()
        self.app.add_routes(
            [
                web.get("/api/conversations/{channel}/{sender}/owner", self.owner),
                web.post("/api/handoffs/{handoff_id}/messages", self.relay),
                web.get("/api/handoffs", self.list_handoffs),
                web.get("/api/handoffs/{handoff_id}/messages", self.list_messages),
                web.patch(
                    "/api/handoffs/{handoff_id}/messages/{message_id}", self.delivery
                ),
            ]
        )

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {SERVICE_TOKEN}"

    async def owner(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)
        self.owner_calls += 1
        key = (request.match_info["channel"], request.match_info["sender"])
        body = self.owners.get(
            key, {"owner": "bot", "handoff_id": None, "officer": None}
        )
        return web.json_response(body)

    async def list_handoffs(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)
        items = [
            h
            for h in self.handoffs
            if h["channel"] == request.query.get("channel", h["channel"])
            and h["status"] == request.query.get("status", h["status"])
        ]
        return web.json_response({"items": items})

    async def list_messages(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)
        items = [
            m
            for m in self.messages.get(request.match_info["handoff_id"], [])
            if m["direction"] == request.query.get("direction", m["direction"])
            and m["delivery_status"]
            == request.query.get("delivery_status", m["delivery_status"])
        ]
        return web.json_response(items)

    async def delivery(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)
        body = await request.json()
        for message in self.messages.get(request.match_info["handoff_id"], []):
            if str(message["id"]) != request.match_info["message_id"]:
                continue
            if message["delivery_status"] != "pending":
                return web.json_response({"error": {"code": "illegal"}}, status=409)
            message["delivery_status"] = body["delivery_status"]
            message["delivery_error"] = body.get("delivery_error")
            return web.json_response(message)
        return web.json_response({"error": {"code": "not_found"}}, status=404)

    async def relay(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)
        body = await request.json()
        # The backend's MessageIn: these three fields only, text 1-10000 characters.
        if set(body) - {"text", "direction", "platform_message_id"} or not (
            1 <= len(body.get("text") or "") <= 10_000
        ):
            return web.json_response({"error": {"code": "invalid"}}, status=422)
        handoff_id = request.match_info["handoff_id"]
        if self.fail_relays > 0:
            self.fail_relays -= 1
            return web.json_response({"error": {"code": "unavailable"}}, status=503)
        if handoff_id in self.ended:
            return web.json_response({"error": {"code": "handoff_ended"}}, status=409)
        self.relayed.append({"handoff_id": handoff_id, **body})
        return web.json_response({"id": len(self.relayed), **body}, status=201)


@dataclass
class Stack:
    bot_url: str
    sim_url: str
    backend_url: str
    bot: StubBot
    backend: FakeBackend
    x: XInput
    messenger: MessengerInput
    simulator: web.Application
    http: aiohttp.ClientSession
    _cleanup: list[Any] = field(default_factory=list)

    @property
    def sim_state(self):
        return self.simulator[STATE]

    async def deliver(
        self, platform: str, payload: Any, signature: str = "good"
    ) -> dict:
        """Have the simulator sign and post a delivery to the bot."""
        async with self.http.post(
            f"{self.sim_url}/_sim/deliver/{platform}",
            json=payload,
            params={"signature": signature},
        ) as response:
            return await response.json()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until both connectors have processed everything queued (and the
        simulator's echoes have come back and been ignored)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            await asyncio.wait_for(self.x.runtime.queues.drain(), timeout)
            await asyncio.wait_for(self.messenger.runtime.queues.drain(), timeout)
            if not _pending(self.simulator):
                return

    def sent(
        self, platform: str, recipient: str | None = None, ok: bool = True
    ) -> list[dict]:
        items = [s for s in self.sim_state.sent if s["platform"] == platform]
        if recipient is not None:
            items = [s for s in items if s["recipient_id"] == recipient]
        if ok:
            items = [s for s in items if s["status"] < 300]
        return items


def _pending(simulator: web.Application) -> bool:
    return any(not task.done() for task in simulator[TASKS])


async def start_stack(
    database_url: str, quick_replies: bool = False, officer_poll: float = 0.0
) -> Stack:
    Sanic.test_mode = True
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    backend = FakeBackend()
    backend_runner = web.AppRunner(backend.app)
    await backend_runner.setup()
    backend_port = free_port()
    await web.TCPSite(backend_runner, "127.0.0.1", backend_port).start()
    backend_url = f"http://127.0.0.1:{backend_port}"

    bot_port = free_port()
    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    config = SimulatorConfig(
        port=sim_port,
        rasa_url=f"http://127.0.0.1:{bot_port}",
        x_consumer_key="test-consumer-key",
        x_consumer_secret=X_SECRET,
        x_user_id=DESK_ID,
        x_app_id="777",
        messenger_app_secret=APP_SECRET,
        messenger_verify_token=VERIFY_TOKEN,
        messenger_page_token=PAGE_TOKEN,
        messenger_page_id=PAGE_ID,
        messenger_app_id="555",
    )
    simulator = create_app(config)
    sim_runner = web.AppRunner(simulator)
    await sim_runner.setup()
    await web.TCPSite(sim_runner, "127.0.0.1", sim_port).start()

    common = CommonSettings(
        database_url=database_url,
        backend_url=backend_url,
        service_token=SERVICE_TOKEN,
        dedup_days=8,
        http_timeout=5,
        max_attempts=4,
        max_retry_wait=30,
        retry_backoff=0.2,
        queue_idle_seconds=2,
        officer_poll_seconds=officer_poll,
    )
    x_input = XInput(
        XSettings(
            consumer_key="test-consumer-key",
            consumer_secret=X_SECRET,
            access_token="test-access-token",
            access_token_secret="test-access-secret",
            oauth2_client_secret="",
            user_id=DESK_ID,
            app_id="777",
            api_url=f"{sim_url}/x",
            quick_replies=quick_replies,
        ),
        common,
    )
    messenger_input = MessengerInput(
        MessengerSettings(
            app_secret=APP_SECRET,
            verify_token=VERIFY_TOKEN,
            page_token=PAGE_TOKEN,
            page_id=PAGE_ID,
            app_id="555",
            graph_url=f"{sim_url}/graph",
            graph_version="v21.0",
            throttle_wait=0.5,
        ),
        common,
    )

    bot = StubBot()
    app = Sanic(f"channels_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = bot
    register([x_input, messenger_input], app, route="/webhooks/")
    server = await app.create_server(
        host="127.0.0.1", port=bot_port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.after_start()

    stack = Stack(
        bot_url=f"http://127.0.0.1:{bot_port}",
        sim_url=sim_url,
        backend_url=backend_url,
        bot=bot,
        backend=backend,
        x=x_input,
        messenger=messenger_input,
        simulator=simulator,
        http=http,
    )
    stack._cleanup = [server, sim_runner, backend_runner]
    return stack


async def stop_stack(stack: Stack) -> None:
    server, sim_runner, backend_runner = stack._cleanup
    await stack.x.runtime.queues.close()
    await stack.messenger.runtime.queues.close()
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
    await sim_runner.cleanup()
    await backend_runner.cleanup()
    await stack.http.close()
    stack.x.store.dispose()
