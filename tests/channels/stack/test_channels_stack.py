"""Full-stack channel replays through real Rasa: the simulator delivers signed, real-
format webhooks to the Rasa server's connectors, the action server files complaints in
the backend, and the replies come back to the simulator."""

from __future__ import annotations

import random
import threading
import time

from tests.channels.stack.citizen import REFERENCE, Citizen, Profile, http


def _citizen(full_stack, platform: str, sender: str) -> Citizen:
    settings = full_stack.settings
    return Citizen(
        sim_url=f"http://127.0.0.1:{full_stack.ports.simulator}",
        platform=platform,
        sender_id=sender,
        desk_id=settings["ESEVA_X_USER_ID"],
        page_id=settings["ESEVA_MESSENGER_PAGE_ID"],
    )


def _profile(n: int) -> Profile:
    return Profile(
        opening="My Indane cylinder was booked 6 days ago and it is still not delivered",
        name=["Ramesh Kumar", "Sunita Devi", "Anil Sharma", "Kavita Rani"][n % 4],
        consumer_id=f"710000001234{n:05d}",
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
    citizen = _citizen(full_stack, "messenger", "PSID_E2E_1")
    reference = citizen.file_complaint(_profile(1))
    [complaint] = _complaints(full_stack, "messenger", "PSID_E2E_1")
    assert complaint["reference"] == reference
    assert complaint["channel"] == "messenger" and complaint["company"] == "IOCL"
    assert all(len(m["text"]) <= 2000 for m in citizen.bot_messages())


def test_a_complaint_end_to_end_over_x(full_stack) -> None:
    citizen = _citizen(full_stack, "x", "2000000000000000101")
    reference = citizen.file_complaint(_profile(2))
    [complaint] = _complaints(full_stack, "x", "2000000000000000101")
    assert complaint["reference"] == reference and complaint["channel"] == "x"


def test_batched_messenger_delivery_of_two_messages(full_stack) -> None:
    """The opening and the name in one POST: both are used, in order."""
    citizen = _citizen(full_stack, "messenger", "PSID_E2E_BATCH")
    profile = _profile(3)
    opening = citizen.event(profile.opening)
    name = citizen.event(profile.name)
    assert citizen.deliver([opening, name]) == 200
    replies = citizen.wait_for_reply(0, quiet=3.0)
    # After both turns the bot has the name and asks for the next field.
    assert profile.answer(replies[-1]["text"]) == profile.consumer_id, replies


def test_redelivery_storm_one_complaint_per_citizen(full_stack) -> None:
    """20 citizens (10 per channel) file at once; every event is delivered three times
    and an earlier event comes again after a later one. Exactly one complaint each."""
    citizens = [
        _citizen(
            full_stack,
            "messenger" if n % 2 else "x",
            f"{'PSID_STORM_' if n % 2 else '30000000000000'}{n:03d}",
        )
        for n in range(20)
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
    for citizen in citizens:
        stored = _complaints(full_stack, citizen.platform, citizen.sender_id)
        assert [c["reference"] for c in stored] == [references[citizen.sender_id]]
        assert REFERENCE.fullmatch(references[citizen.sender_id])
