"""The development REST channel keeps the same silence as X and Messenger: while an
officer or the waiting queue owns a conversation, messages (also `/restart`) go to
the handoff and the bot never sees them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from rasa.core.channels.channel import register
from sanic import Sanic

from bot.channels.backend import BackendClient
from bot.channels.rest import GuardedRestInput
from tests.channels.harness import SERVICE_TOKEN, FakeBackend, StubBot, free_port

pytestmark = pytest.mark.asyncio


class RestStack:
    def __init__(self, url: str, bot: StubBot, backend: FakeBackend) -> None:
        self.url = url
        self.bot = bot
        self.backend = backend

    async def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{self.url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
            ) as response:
                assert response.status == 200
                return await response.json()


@pytest_asyncio.fixture
async def rest() -> AsyncIterator[RestStack]:
    Sanic.test_mode = True
    backend = FakeBackend()
    runner = web.AppRunner(backend.app)
    await runner.setup()
    backend_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", backend_port).start()
    channel = GuardedRestInput(
        BackendClient(f"http://127.0.0.1:{backend_port}", SERVICE_TOKEN, timeout=2.0)
    )
    bot = StubBot()
    app = Sanic(f"rest_guard_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = bot
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield RestStack(f"http://127.0.0.1:{port}", bot, backend)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        await runner.cleanup()


async def test_the_bot_answers_while_it_owns_the_conversation(rest: RestStack) -> None:
    replies = await rest.say("citizen-a", "hello")
    assert [r["text"] for r in replies] == [f"got {rest.bot.turns[0].message_id}"]
    assert rest.backend.owner_calls == 1


async def test_an_officers_conversation_is_relayed_and_the_bot_is_silent(
    rest: RestStack,
) -> None:
    for owner, handoff_id in (("officer", 42), ("waiting", 43)):
        sender = f"citizen-{owner}"
        rest.backend.owners[("rest", sender)] = {
            "owner": owner,
            "handoff_id": handoff_id,
            "officer": None,
        }
        for text in ("hello?", "/restart", "kab tak jawab milega?"):
            assert await rest.say(sender, text) == []
    assert rest.bot.turns == []
    relayed = [(r["handoff_id"], r["text"]) for r in rest.backend.relayed]
    assert relayed == [
        ("42", "hello?"),
        ("42", "/restart"),
        ("42", "kab tak jawab milega?"),
        ("43", "hello?"),
        ("43", "/restart"),
        ("43", "kab tak jawab milega?"),
    ]
    assert {r["direction"] for r in rest.backend.relayed} == {"citizen"}


async def test_a_handoff_that_ended_meanwhile_goes_back_to_the_bot(
    rest: RestStack,
) -> None:
    rest.backend.owners[("rest", "citizen-b")] = {
        "owner": "officer",
        "handoff_id": 44,
        "officer": "Asha",
    }
    rest.backend.ended.add("44")
    replies = await rest.say("citizen-b", "hello again")
    assert len(replies) == 1 and len(rest.bot.turns) == 1


async def test_a_failed_turn_is_logged_without_the_citizens_text(
    rest: RestStack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(message: Any, turn: Any) -> None:
        raise RuntimeError("the action server fell over")

    monkeypatch.setattr(rest.bot, "_answer", broken)
    caplog.set_level("DEBUG")
    assert await rest.say("citizen-c", "Sunita Devi, Rohtak") == []
    assert "turn of citizen-c failed (RuntimeError)" in caplog.text
    assert "Sunita Devi" not in caplog.text
