"""Full-stack channel replays through real Rasa: the simulator delivers signed, real-
format webhooks to the Rasa server's connectors, the action server files complaints in
the backend, and the replies come back to the simulator."""

from __future__ import annotations

import random
import threading
import time
import uuid

from tests.channels.stack.citizen import REFERENCE, Citizen, Profile, http


# Each run its own citizens, so a rerun against a kept stack starts clean.
RUN = uuid.uuid4().int % 10**6


def _sender(platform: str, n: int) -> str:
    if platform == "x":
        return f"2{RUN:06d}{n:05d}"
    return f"PSID_{RUN:06d}_{n:05d}"


def _citizen(full_stack, platform: str, sender: str) -> Citizen:
    return Citizen.of(full_stack, platform, sender)


def _profile(n: int) -> Profile:
    return Profile(
        opening="My Indane cylinder was booked 6 days ago and it is still not delivered",
        name=["Ramesh Kumar", "Sunita Devi", "Anil Sharma", "Kavita Rani"][n % 4],
        consumer_id=f"71{RUN:06d}0{n:08d}",
        location="Sector 14, Hisar, Haryana 125001",
        agency="Jai Durga Gas Agency",
    )


def _complaints(full_stack, channel: str, sender: str) -> list[dict]:
    settings = full_stack.settings
    url = (
        f"http://127.0.0.1:{full_stack.ports.backend}/api/complaints"
        f"?channel={channel}&sender_id={sender}&limit=50"
    )
    return http("GET", url, token=settings["ESEVA_SERVICE_TOKEN"])["items"]


def test_a_complaint_end_to_end_over_messenger(full_stack) -> None:
    sender = _sender("messenger", 1)
    citizen = _citizen(full_stack, "messenger", sender)
    reference = citizen.file_complaint(_profile(1))
    [complaint] = _complaints(full_stack, "messenger", sender)
    assert complaint["reference"] == reference
    assert complaint["channel"] == "messenger" and complaint["company"] == "IOCL"
    assert all(len(m["text"]) <= 2000 for m in citizen.bot_messages())


def test_a_complaint_end_to_end_over_x(full_stack) -> None:
    sender = _sender("x", 2)
    citizen = _citizen(full_stack, "x", sender)
    reference = citizen.file_complaint(_profile(2))
    [complaint] = _complaints(full_stack, "x", sender)
    assert complaint["reference"] == reference and complaint["channel"] == "x"


def test_batched_messenger_delivery_of_two_messages(full_stack) -> None:
    """Two messages of one citizen in one POST: Rasa gets both, in order, each with
    its platform id, and the bot answers each."""
    sender = _sender("messenger", 3)
    citizen = _citizen(full_stack, "messenger", sender)
    profile = _profile(3)
    opening = citizen.event(profile.opening)
    name = citizen.event(profile.name)
    assert citizen.deliver([opening, name]) == 200
    citizen.wait_for_reply(0, quiet=3.0)

    rasa = f"http://127.0.0.1:{full_stack.ports.rasa}"
    token = full_stack.settings["RASA_AUTH_TOKEN"]
    tracker = http("GET", f"{rasa}/conversations/{sender}/tracker?token={token}")
    said = [
        (e["text"], e["message_id"], e["input_channel"])
        for e in tracker["events"]
        if e["event"] == "user"
    ]
    assert said == [
        (profile.opening, opening["message"]["mid"], "messenger"),
        (profile.name, name["message"]["mid"], "messenger"),
    ]
    bot_turns = [e for e in tracker["events"] if e["event"] == "bot"]
    assert len(citizen.bot_messages()) == len(bot_turns) >= 2


def test_redelivery_storm_one_complaint_per_citizen(full_stack) -> None:
    """20 citizens (10 per channel) file at once; every event is delivered three times
    and an earlier event comes again after a later one. Exactly one complaint each."""
    citizens = [
        _citizen(full_stack, platform, _sender(platform, 100 + n))
        for n, platform in enumerate(["messenger", "x"] * 10)
    ]
    references: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(n: int, citizen: Citizen) -> None:
        rng = random.Random(n)
        original = citizen.deliver

        def stormy(events: list[dict]) -> int:
            statuses = [original(events) for _ in range(3)]
            if len(citizen.sent_events) > 1 and rng.random() < 0.7:
                time.sleep(rng.random() * 0.3)
                statuses.append(
                    original([citizen.sent_events[-2]])
                )  # an old event again
            assert set(statuses) == {200}
            return 200

        citizen.deliver = stormy  # type: ignore[method-assign]
        try:
            references[citizen.sender_id] = citizen.file_complaint(_profile(100 + n))
        except BaseException as error:  # collected and raised in the test thread
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(n, c)) for n, c in enumerate(citizens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors[0]
    acks = sorted(a for c in citizens for a in c.ack_seconds)
    print(
        f"webhook acknowledgements: {len(acks)}, median {acks[len(acks) // 2]:.3f} s, "
        f"95th percentile {acks[int(len(acks) * 0.95)]:.3f} s, slowest {acks[-1]:.3f} s"
    )
    for citizen in citizens:
        stored = _complaints(full_stack, citizen.platform, citizen.sender_id)
        assert [c["reference"] for c in stored] == [references[citizen.sender_id]]
        assert REFERENCE.fullmatch(references[citizen.sender_id])
