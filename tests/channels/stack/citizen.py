"""A simulated citizen: writes to the desk through the simulator exactly as a platform
delivers (signed, real format), can deliver each event several times, reads the bot's
replies from what the simulator received, and answers the question asked."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from simulator import payloads

REFERENCE = re.compile(r"MOPNG-\d{4}-\d{6}")


def http(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


# Options a citizen filing an LPG delivery complaint would pick, best first.
PREFERRED = (
    "/affirm",
    "yes",
    "haan",
    "हाँ",
    "indane",
    "iocl",
    "lpg_delivery",
    "cylinder not delivered",
    "cylinder nahi aaya",
    "file a complaint",
    "shikayat darj",
)
NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.M)


@dataclass
class Profile:
    """What this citizen answers, by the question's words."""

    opening: str
    name: str
    consumer_id: str
    location: str
    agency: str
    description: str = (
        "Booked six days ago, still not delivered; the agency does not answer."
    )

    def answer(self, question: str) -> str | None:
        q = question.lower()
        if "lpg id" in q or "consumer" in q or "उपभोक्ता" in q:
            return self.consumer_id
        if "distributor" in q or "agency" in q or "एजेंसी" in q or "वितरक" in q:
            return self.agency
        if any(w in q for w in ("town", "village", "place", "location", "जगह")):
            return self.location
        if "what happened" in q or "sentences" in q or "kya hua" in q:
            return self.description
        if "name" in q or "नाम" in q or "naam" in q:
            return self.name
        return None


def preferred(titles: list[str]) -> int | None:
    """The index of the option this citizen would pick, if any."""
    for wanted in PREFERRED:
        for index, title in enumerate(titles):
            if wanted in title.lower():
                return index
    return None


@dataclass
class Citizen:
    sim_url: str
    platform: str
    sender_id: str
    desk_id: str
    page_id: str
    sent_events: list[dict[str, Any]] = field(default_factory=list)
    # How long each webhook delivery took to be acknowledged (seconds).
    ack_seconds: list[float] = field(default_factory=list)
    clock_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @classmethod
    def of(cls, scratch: Any, platform: str, sender_id: str) -> "Citizen":
        """A citizen of a running scratch stack (scripts/stack.py) with its
        simulator."""
        return cls(
            sim_url=f"http://127.0.0.1:{scratch.ports.simulator}",
            platform=platform,
            sender_id=sender_id,
            desk_id=scratch.settings["ESEVA_X_USER_ID"],
            page_id=scratch.settings["ESEVA_MESSENGER_PAGE_ID"],
        )

    def event(self, text: str = "", quick_reply: dict[str, str] | None = None) -> dict:
        """A new platform event (not yet delivered) from this citizen."""
        self.clock_ms += 1000
        if self.platform == "x":
            event = payloads.x_dm_event(
                self.sender_id,
                self.desk_id,
                quick_reply["title"] if quick_reply else text,
                quick_reply_metadata=quick_reply["payload"] if quick_reply else None,
                timestamp_ms=self.clock_ms,
            )
        elif quick_reply and quick_reply.get("postback"):
            event = payloads.fb_event(
                self.sender_id,
                self.page_id,
                postback=payloads.fb_postback(
                    quick_reply["title"], quick_reply["payload"]
                ),
                timestamp=self.clock_ms,
            )
        else:
            message = (
                payloads.fb_text(
                    quick_reply["title"], quick_reply_payload=quick_reply["payload"]
                )
                if quick_reply
                else payloads.fb_text(text)
            )
            event = payloads.fb_event(
                self.sender_id, self.page_id, message, timestamp=self.clock_ms
            )
        self.sent_events.append(event)
        return event

    def envelope(self, events: list[dict]) -> dict:
        if self.platform == "x":
            return payloads.x_dm_delivery(self.desk_id, events)
        return payloads.fb_delivery(self.page_id, events)

    def deliver(self, events: list[dict]) -> int:
        result = http(
            "POST",
            f"{self.sim_url}/_sim/deliver/{self.platform}",
            self.envelope(events),
        )
        self.ack_seconds.append(result.get("elapsed", 0.0))
        return result["status"]

    def bot_messages(self) -> list[dict[str, Any]]:
        """What the bot sent this citizen (text and options), oldest first."""
        sent = http(
            "GET",
            f"{self.sim_url}/_sim/sent?platform={self.platform}&recipient_id={self.sender_id}",
        )["items"]
        return [_view(self.platform, s) for s in sent if s["status"] < 300]

    def wait_for_reply(
        self, seen: int, timeout: float = 90.0, quiet: float = 1.0
    ) -> list[dict]:
        """Wait until the bot sent more than `seen` messages and then nothing for
        `quiet` seconds; returns the new ones."""
        deadline = time.monotonic() + timeout
        count, changed = seen, time.monotonic()
        while time.monotonic() < deadline:
            messages = self.bot_messages()
            if len(messages) != count:
                count, changed = len(messages), time.monotonic()
            elif count > seen and time.monotonic() - changed >= quiet:
                return messages[seen:]
            time.sleep(0.2)
        raise AssertionError(
            f"{self.platform} citizen {self.sender_id}: no reply within {timeout:.0f} s"
        )

    def file_complaint(
        self, profile: Profile, copies: int = 1, max_turns: int = 12
    ) -> str:
        """Talk until the bot gives a complaint reference; returns it."""
        seen = 0
        event = self.event(profile.opening)
        for _ in range(max_turns):
            for _ in range(copies):
                assert self.deliver([event]) == 200
            new = self.wait_for_reply(seen)
            seen += len(new)
            texts = " ".join(m["text"] for m in new)
            found = REFERENCE.search(texts)
            if found:
                return found.group(0)
            event = self.next_event(new, profile)
        raise AssertionError(f"no reference after {max_turns} turns: {texts!r}")

    def next_event(self, new: list[dict], profile: Profile) -> dict:
        last = new[-1]
        options = last["options"]
        if options:
            index = preferred([o["payload"] for o in options])
            if index is None:
                index = preferred([o["title"] for o in options])
            if index is not None:
                return self.event(quick_reply=options[index])
        numbered = NUMBERED.findall(last["text"])
        if numbered:
            index = preferred([title for _, title in numbered])
            if index is not None:
                return self.event(numbered[index][0])
        answer = profile.answer(last["text"]) or profile.answer(
            " ".join(m["text"] for m in new)
        )
        if answer is None:
            raise AssertionError(
                f"the citizen does not know how to answer: {last['text']!r}"
            )
        return self.event(answer)


def _view(platform: str, sent: dict[str, Any]) -> dict[str, Any]:
    body = sent["body"]
    if platform == "messenger":
        message = body.get("message") or {}
        attachment = message.get("attachment") or {}
        if attachment.get("type") == "template":
            payload = attachment["payload"]
            options = [
                {"title": b["title"], "payload": b["payload"], "postback": True}
                for b in payload.get("buttons", [])
            ]
            return {"text": payload.get("text", ""), "options": options}
        options = [
            {"title": q["title"], "payload": q["payload"]}
            for q in message.get("quick_replies", [])
        ]
        return {"text": message.get("text", ""), "options": options}
    if sent["kind"] == "dm_v1":
        data = body["event"]["message_create"]["message_data"]
        options = [
            {"title": o["label"], "payload": o["metadata"]}
            for o in (data.get("quick_reply") or {}).get("options", [])
        ]
        return {"text": data.get("text", ""), "options": options}
    return {"text": body.get("text", ""), "options": []}
