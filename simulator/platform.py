"""What the simulated platforms remember: every call the bot made, faults to inject,
and each citizen's side of the conversation (for the chat page)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = {"rate_limit", "outside_window", "blocked", "server_error"}


@dataclass
class Fault:
    kind: str
    count: int
    reset_in: float = 60.0
    # Only calls to this recipient fail (a blocked citizen); None: any call.
    recipient_id: str | None = None

    def applies_to(self, recipient: str | None) -> bool:
        return self.count > 0 and self.recipient_id in (None, recipient)


@dataclass
class Platforms:
    sent: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    transcript: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    # Public posts made through the chat page: post id -> author, to show the reply.
    post_authors: dict[str, str] = field(default_factory=dict)

    def add_fault(self, platform: str, fault: Fault) -> None:
        self.faults.setdefault(platform, []).append(fault)

    def next_fault(self, platform: str, recipient: str | None = None) -> Fault | None:
        """Use up one occurrence of the oldest planned fault that applies to a call
        to `recipient`."""
        planned = self.faults.get(platform) or []
        planned[:] = [fault for fault in planned if fault.count > 0]
        for fault in planned:
            if fault.applies_to(recipient):
                fault.count -= 1
                return fault
        return None

    def record(
        self,
        platform: str,
        kind: str,
        recipient: str,
        body: Any,
        status: int,
        **extra: Any,
    ) -> dict[str, Any]:
        entry = {
            "platform": platform,
            "kind": kind,
            "recipient_id": recipient,
            "body": body,
            "status": status,
            "at": time.time(),
            **extra,
        }
        self.sent.append(entry)
        if status < 300 and kind != "sender_action":
            self.say(platform, recipient, "bot", **bot_view(platform, kind, body))
        return entry

    def say(self, platform: str, citizen: str, who: str, **content: Any) -> None:
        self.transcript.setdefault((platform, citizen), []).append(
            {"from": who, "at": time.time(), **content}
        )


def bot_view(platform: str, kind: str, body: Any) -> dict[str, Any]:
    """Text and options of a bot message, as the citizen's app would show them."""
    if platform == "messenger":
        message = body.get("message") or {}
        attachment = message.get("attachment") or {}
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "template":
            return {
                "text": payload.get("text", ""),
                "options": [
                    {
                        "title": b.get("title", ""),
                        "payload": b.get("payload", ""),
                        "postback": True,
                    }
                    for b in payload.get("buttons") or []
                ],
            }
        if attachment:
            return {"text": payload.get("url", ""), "options": []}
        return {
            "text": message.get("text", ""),
            "options": [
                {"title": q.get("title", ""), "payload": q.get("payload", "")}
                for q in message.get("quick_replies") or []
            ],
        }
    if kind == "dm_v1":
        data = body["event"]["message_create"]["message_data"]
        options = (data.get("quick_reply") or {}).get("options") or []
        return {
            "text": data.get("text", ""),
            "options": [
                {"title": o.get("label", ""), "payload": o.get("metadata", "")}
                for o in options
            ],
        }
    return {"text": body.get("text", ""), "options": []}


def reset_header(reset_in: float) -> str:
    return str(math.ceil(time.time() + reset_in))
