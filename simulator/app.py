"""The simulator's HTTP application (aiohttp).

Platform side (called by the bot): X `POST /x/2/dm_conversations/with/{id}/messages`,
`POST /x/1.1/direct_messages/events/new.json`, `POST /x/2/tweets`; Graph
`POST /graph/{version}/me/messages`. Control side (tests, the chat page): `/_sim/...`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from simulator import payloads
from simulator.config import SimulatorConfig
from simulator.platform import FAULT_KINDS, Fault, Platforms, reset_header
from simulator.signing import meta_body, meta_headers, x_body, x_headers

logger = logging.getLogger(__name__)

PAGE = Path(__file__).with_name("static") / "index.html"
CONFIG = web.AppKey("config", SimulatorConfig)
STATE = web.AppKey("state", Platforms)
TASKS = web.AppKey("tasks", set)


@web.middleware
async def bad_json(request: web.Request, handler: Any) -> web.StreamResponse:
    """A body that is not JSON is the caller's mistake: 400, not a crash."""
    try:
        return await handler(request)
    except ValueError:
        error = {"code": "bad_json", "message": "The body must be JSON."}
        return web.json_response({"error": error}, status=400)


def create_app(config: SimulatorConfig) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=[bad_json])
    app[CONFIG] = config
    app[STATE] = Platforms()
    app[TASKS] = set()
    app.add_routes(
        [
            web.get("/", page),
            web.post("/x/2/dm_conversations/with/{participant_id}/messages", x_dm_v2),
            web.post("/x/1.1/direct_messages/events/new.json", x_dm_v1),
            web.post("/x/2/tweets", x_tweet),
            web.post("/graph/{version}/me/messages", graph_send),
            web.post("/graph/{version}/{page_id}/messages", graph_send),
            web.get("/_sim/sent", list_sent),
            web.delete("/_sim/sent", clear_sent),
            web.post("/_sim/faults", add_fault),
            web.delete("/_sim/faults", clear_faults),
            web.post("/_sim/config", set_config),
            web.post("/_sim/deliver/{platform}", deliver_raw),
            web.post("/_sim/citizen/{platform}", citizen_message),
            web.post("/_sim/citizen/x/post", citizen_post),
            web.get("/_sim/conversation/{platform}/{sender_id}", conversation),
            web.post("/_sim/verify/{platform}", verify_webhook),
        ]
    )
    app.on_cleanup.append(_cancel_tasks)
    return app


async def _cancel_tasks(app: web.Application) -> None:
    for task in list(app[TASKS]):
        task.cancel()


def _background(app: web.Application, coroutine: Any) -> None:
    task = asyncio.get_running_loop().create_task(coroutine)
    app[TASKS].add(task)
    task.add_done_callback(app[TASKS].discard)


def _invalid(message: str, field: str | None = None) -> web.Response:
    """A control request the simulator cannot follow: 422 in the project's shape."""
    error = {
        "code": "invalid",
        "message": message,
        **({"field": field} if field else {}),
    }
    return web.json_response({"error": error}, status=422)


async def page(_: web.Request) -> web.Response:
    return web.FileResponse(PAGE)


# -- X, as the bot sees it -----------------------------------------------------------


def _x_auth_ok(request: web.Request) -> bool:
    config = request.app[CONFIG]
    header = request.headers.get("Authorization", "")
    if not header.startswith("OAuth "):
        return False
    return (
        not config.x_consumer_key
        or f'oauth_consumer_key="{config.x_consumer_key}"' in header
    )


def _x_fault(request: web.Request, recipient: str | None) -> web.Response | None:
    fault = request.app[STATE].next_fault("x", recipient)
    if fault is None:
        return None
    if fault.kind == "rate_limit":
        headers = {
            "x-rate-limit-limit": "200",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": reset_header(fault.reset_in),
        }
        body = {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        return web.json_response(body, status=429, headers=headers)
    if fault.kind == "blocked":
        body = {
            "errors": [
                {"code": 349, "message": "You cannot send messages to this user."}
            ],
            "title": "Forbidden",
            "status": 403,
        }
        return web.json_response(body, status=403)
    return web.json_response(
        {"title": "Service Unavailable", "status": 503}, status=503
    )


def _reset(response: web.Response) -> dict[str, Any]:
    reset = response.headers.get("x-rate-limit-reset")
    return {"reset": int(reset)} if reset else {}


async def x_dm_v2(request: web.Request) -> web.Response:
    state = request.app[STATE]
    recipient = request.match_info["participant_id"]
    body = await request.json()
    if not _x_auth_ok(request):
        state.record("x", "dm_v2", recipient, body, 401)
        return web.json_response({"title": "Unauthorized", "status": 401}, status=401)
    failure = _x_fault(request, recipient)
    if failure is not None:
        state.record("x", "dm_v2", recipient, body, failure.status, **_reset(failure))
        return failure
    event_id = payloads.new_x_id()
    state.record("x", "dm_v2", recipient, body, 201, message_id=event_id)
    _echo_x(request.app, recipient, body.get("text", ""), event_id)
    desk = request.app[CONFIG].x_user_id
    data = {
        "dm_conversation_id": f"{min(desk, recipient)}-{max(desk, recipient)}",
        "dm_event_id": event_id,
    }
    return web.json_response({"data": data}, status=201)


async def x_dm_v1(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    create = (body.get("event") or {}).get("message_create") or {}
    recipient = str((create.get("target") or {}).get("recipient_id") or "")
    if not _x_auth_ok(request):
        state.record("x", "dm_v1", recipient, body, 401)
        return web.json_response(
            {"errors": [{"code": 32, "message": "Could not authenticate you."}]},
            status=401,
        )
    failure = _x_fault(request, recipient)
    if failure is not None:
        state.record("x", "dm_v1", recipient, body, failure.status, **_reset(failure))
        return failure
    event_id = payloads.new_x_id()
    state.record("x", "dm_v1", recipient, body, 200, message_id=event_id)
    text = (create.get("message_data") or {}).get("text", "")
    _echo_x(request.app, recipient, text, event_id)
    event = {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(payloads.now_ms()),
        "message_create": {**create, "sender_id": request.app[CONFIG].x_user_id},
    }
    return web.json_response({"event": event})


async def x_tweet(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    in_reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
    if not _x_auth_ok(request):
        state.record("x", "tweet", in_reply_to, body, 401)
        return web.json_response({"title": "Unauthorized", "status": 401}, status=401)
    failure = _x_fault(request, None)  # a post has no recipient: general faults only
    if failure is not None:
        state.record("x", "tweet", in_reply_to, body, failure.status, **_reset(failure))
        return failure
    tweet_id = payloads.new_x_id()
    state.record("x", "tweet", in_reply_to, body, 201, message_id=tweet_id)
    author = state.post_authors.get(in_reply_to)
    if author:
        state.say("x", author, "bot", text=f"[public reply] {body.get('text', '')}")
    return web.json_response(
        {"data": {"id": tweet_id, "text": body.get("text", "")}}, status=201
    )


def _echo_x(app: web.Application, recipient: str, text: str, event_id: str) -> None:
    config = app[CONFIG]
    if not config.echo:
        return
    event = payloads.x_dm_event(
        config.x_user_id,
        recipient,
        text,
        event_id=event_id,
        source_app_id=config.x_app_id or "1",
    )
    _background(
        app, send_to_bot(app, "x", payloads.x_dm_delivery(config.x_user_id, [event]))
    )


# -- Graph Send API ------------------------------------------------------------------

GRAPH_ERRORS = {
    "outside_window": (
        400,
        {
            "message": "(#10) This message is sent outside of allowed window.",
            "type": "OAuthException",
            "code": 10,
            "error_subcode": 2018278,
        },
    ),
    "blocked": (
        400,
        {
            "message": "(#551) This person isn't available right now.",
            "type": "OAuthException",
            "code": 551,
            "error_subcode": 1545041,
        },
    ),
    "rate_limit": (
        400,
        {
            "message": "(#613) Calls to this api have exceeded the rate limit.",
            "type": "OAuthException",
            "code": 613,
        },
    ),
    "server_error": (
        500,
        {
            "message": "An unexpected error has occurred.",
            "type": "OAuthException",
            "code": 2,
        },
    ),
}


async def graph_send(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    state = request.app[STATE]
    body = await request.json()
    recipient = str((body.get("recipient") or {}).get("id") or "")
    kind = "sender_action" if "sender_action" in body else "message"

    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    token = token or request.query.get("access_token", "")
    if config.messenger_page_token and token != config.messenger_page_token:
        error = {
            "message": "Invalid OAuth access token.",
            "type": "OAuthException",
            "code": 190,
        }
        state.record("messenger", kind, recipient, body, 400)
        return web.json_response({"error": error}, status=400)

    fault = state.next_fault("messenger", recipient)
    if fault is not None:
        status, error = GRAPH_ERRORS[fault.kind]
        state.record("messenger", kind, recipient, body, status)
        return web.json_response(
            {"error": {**error, "fbtrace_id": "Sim" + payloads.new_mid()[2:12]}},
            status=status,
        )

    mid = payloads.new_mid()
    state.record("messenger", kind, recipient, body, 200, message_id=mid)
    if kind == "message" and config.echo:
        message = dict(body.get("message") or {})
        echo = payloads.fb_echo(
            config.messenger_page_id or "PAGE",
            recipient,
            message,
            config.messenger_app_id or "1",
        )
        echo["message"]["mid"] = mid
        _background(
            request.app,
            send_to_bot(
                request.app,
                "messenger",
                payloads.fb_delivery(config.messenger_page_id or "PAGE", [echo]),
            ),
        )
    return web.json_response({"recipient_id": recipient, "message_id": mid})


# -- delivering to the bot -----------------------------------------------------------


def webhook_url(config: SimulatorConfig, platform: str) -> str:
    return f"{config.rasa_url}/webhooks/{platform}/webhook"


def signed(
    config: SimulatorConfig, platform: str, payload: Any, signature: str = "good"
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery; `signature` `bad` or `none` for tests."""
    if platform == "x":
        body = x_body(payload)
        headers = x_headers(
            body, config.x_consumer_secret, config.x_oauth2_client_secret
        )
    else:
        body = meta_body(payload)
        headers = meta_headers(body, config.messenger_app_secret)
    if signature == "none":
        headers = {"Content-Type": "application/json"}
    elif signature == "bad":
        headers = {
            k: (v[:-4] + "AAAA" if k != "Content-Type" else v)
            for k, v in headers.items()
        }
    return body, headers


async def send_to_bot(
    app: web.Application, platform: str, payload: Any, signature: str = "good"
) -> dict[str, Any]:
    config = app[CONFIG]
    body, headers = signed(config, platform, payload, signature)
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=config.delivery_timeout)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(
                webhook_url(config, platform), data=body, headers=headers
            ) as response:
                text = await response.text()
                status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning(
            "delivery to the bot's %s webhook failed: %s",
            platform,
            type(error).__name__,
        )
        return {
            "status": None,
            "error": type(error).__name__,
            "elapsed": time.monotonic() - started,
        }
    return {"status": status, "body": text[:500], "elapsed": time.monotonic() - started}


async def deliver_raw(request: web.Request) -> web.Response:
    """Sign and deliver the posted payload as it is (`?signature=bad|none`)."""
    platform = request.match_info["platform"]
    if platform not in {"x", "messenger"}:
        raise web.HTTPNotFound()
    payload = await request.json()
    result = await send_to_bot(
        request.app, platform, payload, request.query.get("signature", "good")
    )
    return web.json_response(result)


async def citizen_message(request: web.Request) -> web.Response:
    """The chat page's (and tests') way to write as a citizen."""
    platform = request.match_info["platform"]
    if platform not in {"x", "messenger"}:
        raise web.HTTPNotFound()
    try:
        form = await request.json()
    except ValueError:
        return web.json_response(
            {"error": {"code": "bad_json", "message": "Send JSON."}}, status=400
        )
    sender = str(form.get("sender_id") or "").strip()
    if not sender or len(sender) > 64:
        return _invalid("sender_id is required.", "sender_id")
    config = request.app[CONFIG]
    state = request.app[STATE]
    text = str(form.get("text") or "")
    quick = (
        form.get("quick_reply") if isinstance(form.get("quick_reply"), dict) else None
    )
    attachment = form.get("attachment")

    if platform == "x":
        media = (
            {"image": "photo", "video": "video"}.get(str(attachment))
            if attachment
            else None
        )
        event = payloads.x_dm_event(
            sender,
            config.x_user_id,
            str(quick.get("title")) if quick else text,
            quick_reply_metadata=str(quick.get("payload")) if quick else None,
            media_type=media or ("photo" if attachment else None),
        )
        message_id = event["id"]
        payload = payloads.x_dm_delivery(config.x_user_id, [event])
    else:
        page_id = config.messenger_page_id or "PAGE"
        if quick and quick.get("postback"):
            message_id = payloads.new_mid()
            event = payloads.fb_event(
                sender,
                page_id,
                postback=payloads.fb_postback(
                    str(quick.get("title")), str(quick.get("payload")), message_id
                ),
            )
        else:
            if quick:
                message = payloads.fb_text(
                    str(quick.get("title")),
                    quick_reply_payload=str(quick.get("payload")),
                )
            elif attachment:
                message = payloads.fb_attachment(str(attachment))
            else:
                message = payloads.fb_text(text)
            message_id = message["mid"]
            event = payloads.fb_event(sender, page_id, message)
        payload = payloads.fb_delivery(page_id, [event])

    shown = str(quick.get("title")) if quick else (text or f"[{attachment}]")
    state.say(platform, sender, "citizen", text=shown, options=[])
    result = await send_to_bot(request.app, platform, payload)
    return web.json_response({"message_id": message_id, **result})


async def citizen_post(request: web.Request) -> web.Response:
    """A public post on X that mentions the desk."""
    form = await request.json()
    config = request.app[CONFIG]
    author = str(form.get("sender_id") or "2001")
    payload = payloads.x_mention_delivery(
        config.x_user_id, author, str(form.get("text") or "")
    )
    tweet_id = payload["tweet_create_events"][0]["id_str"]
    state = request.app[STATE]
    state.post_authors[tweet_id] = author
    state.say("x", author, "citizen", text=f"[public post] {form.get('text') or ''}")
    result = await send_to_bot(request.app, "x", payload)
    return web.json_response({"tweet_id": tweet_id, **result})


async def verify_webhook(request: web.Request) -> web.Response:
    """Run the platform's webhook check against the bot, as on registration."""
    platform = request.match_info["platform"]
    config = request.app[CONFIG]
    url = webhook_url(config, platform)
    timeout = aiohttp.ClientTimeout(total=10)
    if platform == "x":
        token = payloads.new_mid()
        secret = config.x_oauth2_client_secret or config.x_consumer_secret
        expected = (
            "sha256="
            + base64.b64encode(
                hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
            ).decode()
        )
        params = {"crc_token": token}
    else:
        expected = payloads.new_mid()
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": config.messenger_verify_token,
            "hub.challenge": expected,
        }
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url, params=params) as response:
                status = response.status
                if platform == "x":
                    body = await response.json(content_type=None)
                    ok = status == 200 and body.get("response_token") == expected
                else:
                    ok = status == 200 and (await response.text()) == expected
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return web.json_response({"ok": False, "error": type(error).__name__})
    return web.json_response({"ok": ok, "status": status})


# -- inspection and control ----------------------------------------------------------


async def list_sent(request: web.Request) -> web.Response:
    items = request.app[STATE].sent
    platform = request.query.get("platform")
    recipient = request.query.get("recipient_id")
    if platform:
        items = [i for i in items if i["platform"] == platform]
    if recipient:
        items = [i for i in items if i["recipient_id"] == recipient]
    return web.json_response({"items": items})


async def clear_sent(request: web.Request) -> web.Response:
    request.app[STATE].sent.clear()
    request.app[STATE].transcript.clear()
    return web.json_response({"status": "cleared"})


async def add_fault(request: web.Request) -> web.Response:
    form = await request.json()
    platform = form.get("platform")
    kind = form.get("kind")
    if platform not in {"x", "messenger"} or kind not in FAULT_KINDS:
        return _invalid(f"platform x|messenger, kind one of {sorted(FAULT_KINDS)}")
    if platform == "x" and kind == "outside_window":
        return _invalid("X has no messaging window.")
    recipient = form.get("recipient_id")
    if recipient is not None and (not isinstance(recipient, str) or not recipient):
        return _invalid("recipient_id must be a non-empty string.", "recipient_id")
    fault = Fault(
        kind,
        int(form.get("count", 1)),
        float(form.get("reset_in", 60)),
        recipient,
    )
    request.app[STATE].add_fault(platform, fault)
    return web.json_response({"status": "planned"})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATE].faults.clear()
    return web.json_response({"status": "cleared"})


async def set_config(request: web.Request) -> web.Response:
    form = await request.json()
    config = request.app[CONFIG]
    if "echo" in form:
        config.echo = bool(form["echo"])
    return web.json_response({"echo": config.echo})


async def conversation(request: web.Request) -> web.Response:
    key = (request.match_info["platform"], request.match_info["sender_id"])
    return web.json_response({"items": request.app[STATE].transcript.get(key, [])})
