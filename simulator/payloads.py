"""Real-format webhook payloads, as X and Meta deliver them."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

_x_ids = itertools.count(int(time.time() * 1000) * 1000)

LIKE_STICKER_ID = 369239263222822


def now_ms() -> int:
    return int(time.time() * 1000)


def new_x_id() -> str:
    return str(next(_x_ids))


def new_mid() -> str:
    return "m_" + secrets.token_urlsafe(18)


# -- X ---------------------------------------------------------------------------------


def x_dm_event(
    sender_id: str,
    recipient_id: str,
    text: str = "",
    event_id: str | None = None,
    quick_reply_metadata: str | None = None,
    media_type: str | None = None,
    source_app_id: str | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """One `message_create` event of the Account Activity format."""
    event_id = event_id or new_x_id()
    data: dict[str, Any] = {
        "text": text,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
    }
    if quick_reply_metadata is not None:
        data["quick_reply_response"] = {
            "type": "options",
            "metadata": quick_reply_metadata,
        }
    if media_type:
        short = f"https://t.co/{secrets.token_hex(5)}"
        data["text"] = f"{text} {short}".strip()
        data["attachment"] = {
            "type": "media",
            "media": {
                "id": int(event_id) + 1,
                "id_str": str(int(event_id) + 1),
                "media_url_https": f"https://ton.twitter.com/1.1/ton/data/dm/{event_id}/x.jpg",
                "url": short,
                "type": media_type,
            },
        }
    create: dict[str, Any] = {
        "target": {"recipient_id": recipient_id},
        "sender_id": sender_id,
        "message_data": data,
    }
    if source_app_id:
        create["source_app_id"] = source_app_id
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(timestamp_ms or now_ms()),
        "message_create": create,
    }


def x_users(*ids: str) -> dict[str, Any]:
    return {
        i: {
            "id": i,
            "name": f"User {i}",
            "screen_name": f"user_{i}",
            "protected": False,
        }
        for i in ids
    }


def x_dm_delivery(desk_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    ids = {desk_id} | {e["message_create"]["sender_id"] for e in events}
    return {
        "for_user_id": desk_id,
        "direct_message_events": events,
        "users": x_users(*sorted(ids)),
    }


def x_activity_delivery(
    desk_id: str, event: dict[str, Any], sent: bool = False
) -> dict[str, Any]:
    """The same DM in the X Activity API envelope (`dm.received` / `dm.sent`)."""
    sender = event["message_create"]["sender_id"]
    return {
        "data": {
            "event_uuid": str(-int(event["id"]) // 7),
            "filter": {"user_id": desk_id},
            "event_type": "dm.sent" if sent else "dm.received",
            "tag": "dm-events",
            "payload": {
                "direct_message_events": [event],
                "users": {
                    sender: {
                        "data": {
                            "id": sender,
                            "name": "Citizen",
                            "username": f"u{sender}",
                        }
                    }
                },
            },
        }
    }


def x_mention_delivery(
    desk_id: str, author_id: str, text: str, tweet_id: str | None = None
) -> dict[str, Any]:
    tweet_id = tweet_id or new_x_id()
    return {
        "for_user_id": desk_id,
        "tweet_create_events": [
            {
                "created_at": time.strftime(
                    "%a %b %d %H:%M:%S +0000 %Y", time.gmtime()
                ),
                "id": tweet_id,
                "id_str": tweet_id,
                "text": text,
                "user": {
                    "id": author_id,
                    "id_str": author_id,
                    "screen_name": f"u{author_id}",
                },
                "in_reply_to_user_id_str": None,
                "entities": {
                    "user_mentions": [
                        {"id": desk_id, "id_str": desk_id, "screen_name": "desk"}
                    ]
                },
            }
        ],
    }


def x_typing_delivery(desk_id: str, sender_id: str) -> dict[str, Any]:
    return {
        "for_user_id": desk_id,
        "direct_message_indicate_typing_events": [
            {
                "created_timestamp": str(now_ms()),
                "sender_id": sender_id,
                "target": {"recipient_id": desk_id},
            }
        ],
    }


# -- Messenger -------------------------------------------------------------------------


def fb_delivery(
    page_id: str, events: list[dict[str, Any]], standby: bool = False
) -> dict[str, Any]:
    key = "standby" if standby else "messaging"
    return {"object": "page", "entry": [{"id": page_id, "time": now_ms(), key: events}]}


def fb_event(
    psid: str, page_id: str, message: dict[str, Any] | None = None, **other: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": other.pop("timestamp", None) or now_ms(),
    }
    if message is not None:
        message.setdefault("mid", new_mid())
        event["message"] = message
    event.update(other)
    return event


def fb_text(
    text: str, mid: str | None = None, quick_reply_payload: str | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid or new_mid(), "text": text}
    if quick_reply_payload is not None:
        message["quick_reply"] = {"payload": quick_reply_payload}
    return message


def fb_attachment(kind: str, mid: str | None = None) -> dict[str, Any]:
    if kind == "location":
        payload: dict[str, Any] = {"coordinates": {"lat": 28.8955, "long": 76.6066}}
        return {
            "mid": mid or new_mid(),
            "attachments": [{"type": "location", "payload": payload}],
        }
    if kind == "sticker":
        return {
            "mid": mid or new_mid(),
            "sticker_id": LIKE_STICKER_ID,
            "attachments": [
                {
                    "type": "image",
                    "payload": {
                        "url": "https://scontent.xx.fbcdn.net/v/t39.1997-6/like.png",
                        "sticker_id": LIKE_STICKER_ID,
                    },
                }
            ],
        }
    return {
        "mid": mid or new_mid(),
        "attachments": [
            {
                "type": kind,
                "payload": {
                    "url": f"https://scontent.xx.fbcdn.net/v/{secrets.token_hex(6)}"
                },
            }
        ],
    }


def fb_postback(title: str, payload: str, mid: str | None = None) -> dict[str, Any]:
    return {"mid": mid or new_mid(), "title": title, "payload": payload}


def fb_echo(
    page_id: str, psid: str, message: dict[str, Any], app_id: str
) -> dict[str, Any]:
    echo = dict(message)
    echo["is_echo"] = True
    echo["app_id"] = int(app_id) if app_id.isdigit() else app_id
    echo["mid"] = new_mid()
    return {
        "sender": {"id": page_id},
        "recipient": {"id": psid},
        "timestamp": now_ms(),
        "message": echo,
    }
