"""bot.serve: Rasa's validation of action answers, with each schema checked once."""

from __future__ import annotations

import os

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from bot import serve

SCHEMA = {
    "type": "object",
    "properties": {
        "events": {"type": "array", "items": {"type": "object"}},
        "responses": {"type": "array"},
    },
}


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(serve, "_checked", {})


def error_of(validate, instance, schema):
    with pytest.raises(jsonschema.ValidationError) as caught:
        validate(instance, schema)
    return caught.value


def test_the_same_instances_are_accepted_and_refused_with_the_same_error():
    serve.validate({"events": [{"event": "slot"}], "responses": []}, SCHEMA)
    for bad in ({"events": "slot"}, {"events": [1]}, []):
        ours = error_of(serve.validate, bad, SCHEMA)
        theirs = error_of(serve._original_validate, bad, SCHEMA)
        assert (ours.message, list(ours.path)) == (theirs.message, list(theirs.path))


def test_a_schema_is_checked_against_the_meta_schema_once(monkeypatch):
    checks = []
    original = Draft202012Validator.check_schema.__func__

    def counting(cls, schema, *args, **kwargs):
        checks.append(schema)
        return original(cls, schema, *args, **kwargs)

    monkeypatch.setattr(Draft202012Validator, "check_schema", classmethod(counting))
    for _ in range(5):
        # Rasa builds the schema afresh on every call: equal, not the same object.
        serve.validate({"events": []}, dict(SCHEMA))
    with pytest.raises(jsonschema.ValidationError):
        serve.validate({"events": 3}, dict(SCHEMA))
    assert len(checks) == 1


def test_an_invalid_schema_is_refused_every_time_and_never_kept():
    broken = {"type": "no-such-type"}
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError):
            serve.validate({}, broken)
    assert serve._checked == {}


def test_install_replaces_the_function_rasa_imports(monkeypatch):
    monkeypatch.setattr(jsonschema, "validate", serve._original_validate)
    serve.install()
    from jsonschema import validate  # what Rasa's action code does on each call

    assert validate is serve.validate


def test_sqlite_files_opened_after_install_use_wal_without_a_sync_per_commit(
    tmp_path, monkeypatch
):
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import Engine

    monkeypatch.setattr(jsonschema, "validate", serve._original_validate)
    serve.install()
    serve.install()  # twice: still one listener
    try:
        engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
        with engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            sync = connection.execute(text("PRAGMA synchronous")).scalar()
            busy = connection.execute(text("PRAGMA busy_timeout")).scalar()
        engine.dispose()
    finally:
        event.remove(Engine, "connect", serve.tune_sqlite)
    assert (mode, sync, busy) == ("wal", 1, 15000)  # synchronous 1 is NORMAL


def test_rasa_keeps_its_sqlite_tracker_connections_open_in_a_pool(tmp_path):
    from rasa.core import tracker_store

    original = tracker_store.create_engine_kwargs
    serve.install()
    try:
        store = tracker_store.SQLTrackerStore(
            dialect="sqlite", db=str(tmp_path / "tracker.db")
        )
        assert store.engine.pool.__class__.__name__ == "QueuePool"
        import asyncio

        from rasa.shared.core.events import ActionExecuted

        tracker = store.init_tracker("citizen-1")
        tracker.update(ActionExecuted("action_listen"))

        asyncio.run(store.save(tracker))
        stored = asyncio.run(store.retrieve("citizen-1"))
        assert [e.action_name for e in stored.events] == ["action_listen"]
        # PostgreSQL keeps Rasa's own arguments (its pool settings).
        postgres = tracker_store.create_engine_kwargs(
            "postgresql://user@127.0.0.1:5432/tracker"
        )
        assert "poolclass" not in postgres and "pool_size" in postgres
    finally:
        tracker_store.create_engine_kwargs = original
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "connect", serve.tune_sqlite)


def test_event_names_resolve_to_the_classes_rasa_finds(monkeypatch):
    from rasa.shared.core.events import ActionExecuted, Event
    from rasa.shared.utils.common import all_subclasses

    monkeypatch.setattr(serve, "_event_classes", {})
    # Rasa's own lookup (install() keeps it once it has replaced it).
    original = serve._original_resolve_by_type or Event.resolve_by_type
    monkeypatch.setattr(serve, "_original_resolve_by_type", original)
    classes = all_subclasses(Event)
    names = {cls.type_name for cls in classes}
    assert {"user", "bot", "action", "slot", "session_started"} <= names

    for name in names:
        first = next(cls for cls in classes if cls.type_name == name)
        assert serve.resolve_by_type(name) is first, name
    assert serve.resolve_by_type("no-such-event", ActionExecuted) is ActionExecuted
    assert serve.resolve_by_type("topic") is None  # Rasa's old TopicSet events
    with pytest.raises(ValueError, match="no-such-event"):
        serve.resolve_by_type("no-such-event")


def test_an_event_class_defined_later_is_found(monkeypatch):
    from rasa.shared.core.events import SlotSet

    assert serve.resolve_by_type("slot") is SlotSet  # the table is built now

    class Noted(SlotSet):
        type_name = "eseva_test_noted"

    assert serve.resolve_by_type("eseva_test_noted") is Noted


def test_install_makes_rasa_read_events_through_the_table(monkeypatch):
    from rasa.shared.core.events import Event, SlotSet

    monkeypatch.setattr(Event, "resolve_by_type", Event.resolve_by_type)
    serve.install()
    assert Event.resolve_by_type is serve.resolve_by_type
    event = Event.from_parameters({"event": "slot", "name": "language", "value": "hi"})
    assert isinstance(event, SlotSet) and event.value == "hi"


def states_domain_and_tracker():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_yaml(
        """
version: "3.1"
intents: [greet, complain]
entities: [brand]
slots:
  urgent: {type: bool, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: "hello"}]
"""
    )
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered(
            "no gas",
            {"name": "complain", "confidence": 1.0},
            [{"entity": "brand", "value": "Indane", "start": 0, "end": 2}],
        ),
        SlotSet("urgent", True),
    ]
    tracker = DialogueStateTracker.from_events("c", events, slots=domain.slots)
    return domain, tracker


def test_past_states_are_rasa_s_and_computed_once_per_events(monkeypatch):
    from rasa.shared.core.events import ActionExecuted

    domain, tracker = states_domain_and_tracker()
    rasa_states = serve._original_past_states or type(tracker).past_states
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return rasa_states(*args, **kwargs)

    monkeypatch.setattr(serve, "_original_past_states", counting)
    rule_only = {"slots": ["urgent"], "loops": []}
    options = [{}, {"omit_unset_slots": True}]
    options += [{"ignore_rule_only_turns": True, "rule_only_data": rule_only}]
    for kwargs in options * 3:
        ours = serve.past_states(tracker, domain, **kwargs)
        assert ours == rasa_states(tracker, domain, **kwargs)
    assert len(calls) == len(options)

    tracker.update(ActionExecuted("utter_greet"))
    after = serve.past_states(tracker, domain)
    assert after == rasa_states(tracker, domain)
    assert len(after) == len(rasa_states(tracker, domain)) and len(calls) == 4


def test_each_caller_gets_states_of_its_own(monkeypatch):
    domain, tracker = states_domain_and_tracker()
    rasa_states = serve._original_past_states or type(tracker).past_states
    monkeypatch.setattr(serve, "_original_past_states", rasa_states)
    first = serve.past_states(tracker, domain)
    expected = [{k: dict(v) for k, v in state.items()} for state in first]
    first[-1]["user"].pop("intent")  # as Rasa's featurizers do to the last state
    first.pop(0)
    assert serve.past_states(tracker, domain) == expected


def test_install_makes_the_policies_ask_through_the_memo(monkeypatch):
    from rasa.shared.core.trackers import DialogueStateTracker

    monkeypatch.setattr(
        DialogueStateTracker, "past_states", DialogueStateTracker.past_states
    )
    serve.install()
    domain, tracker = states_domain_and_tracker()
    assert DialogueStateTracker.past_states is serve.past_states
    assert tracker.past_states(domain) == serve._original_past_states(tracker, domain)


ACTION_ANSWERS = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "language", "value": "hi"},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "active_loop", "name": None, "timestamp": None},
            {"event": "followup", "name": "action_listen"},
            {"event": "bot", "text": "नमस्ते", "metadata": {}},
            {"event": "action", "name": "utter_greet", "confidence": 1.0},
            {"event": "user", "text": "hi", "parse_data": {"entities": []}},
        ],
        "responses": [{"response": "utter_ask_full_name"}],
    },
    {"events": [{"event": "slot", "name": "language"}]},  # no value
    {"events": [{"event": "no-such-event"}]},
    {"events": [{"name": "language", "value": "hi"}]},  # no event name
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"value": 1}]}}]},
    {"events": [{"event": "action", "confidence": "high"}]},
    {"events": {"event": "slot"}},
]


@pytest.mark.parametrize("answer", ACTION_ANSWERS)
def test_action_answers_are_judged_as_rasa_judges_them(answer):
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    try:
        serve._original_validate(answer, schema)
        theirs = None
    except jsonschema.ValidationError as error:
        theirs = (error.message, list(error.path))
    try:
        serve.validate(answer, schema)
        ours = None
    except jsonschema.ValidationError as error:
        ours = (error.message, list(error.path))
    assert ours == theirs


def test_a_valid_answer_never_tries_every_event_schema(monkeypatch):
    from jsonschema import _validators
    from rasa.core.actions.action import RemoteAction

    tried = []
    full = _validators.oneOf

    def counting(*args):
        tried.append(1)
        yield from full(*args)

    monkeypatch.setitem(Draft202012Validator.VALIDATORS, "oneOf", counting)
    schema = RemoteAction.action_response_format_spec()
    serve.validate(ACTION_ANSWERS[1], schema)
    assert tried == []
    with pytest.raises(jsonschema.ValidationError):
        serve.validate(ACTION_ANSWERS[3], schema)
    assert tried  # an invalid answer gets the full check and its usual error


def tracker_store_urls() -> list[str]:
    urls = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture(params=tracker_store_urls())
def sql_store(request, tmp_path):
    """A Rasa SQL tracker store on a fresh SQLite file or PostgreSQL database."""
    from rasa.core.tracker_store import SQLTrackerStore

    from tests.postgres import temporary_database

    if request.param == "sqlite":
        yield SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
        return
    with temporary_database("tracker_test") as url:
        store = SQLTrackerStore(host=url)
        try:
            yield store
        finally:
            store.engine.dispose()


def test_the_store_reads_and_counts_the_latest_session_as_rasa_does(sql_store):
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    rasa_query = serve._original_event_query or SQLTrackerStore._event_query
    clock = iter(range(1000, 2000))

    def at(event):
        event.timestamp = float(next(clock))
        return event

    never_restarted = sql_store.init_tracker("one-session")
    for name in ("action_session_start", "action_listen"):
        never_restarted.update(at(ActionExecuted(name)))
    restarted = sql_store.init_tracker("two-sessions")
    restarted.update(at(SessionStarted()))
    restarted.update(at(SlotSet("language", "hi")))
    asyncio.run(sql_store.save(never_restarted))
    asyncio.run(sql_store.save(restarted))
    restarted.update(at(SessionStarted()))
    restarted.update(at(ActionExecuted("action_listen")))
    asyncio.run(sql_store.save(restarted))  # counts the latest session to append

    for sender, latest in (("one-session", 2), ("two-sessions", 2), ("nobody", 0)):
        with sql_store.session_scope() as session:
            ours = serve.event_query(sql_store, session, sender, False)
            theirs = rasa_query(sql_store, session, sender, False)
            assert [row.data for row in ours.all()] == [r.data for r in theirs.all()]
            assert ours.count() == theirs.count() == latest
            every = serve.event_query(sql_store, session, sender, True)
            assert every.count() == rasa_query(sql_store, session, sender, True).count()

    serve.install()
    stored = asyncio.run(sql_store.retrieve("two-sessions"))
    assert [type(e).__name__ for e in stored.events] == [
        "SessionStarted",
        "ActionExecuted",
    ]
    assert len(asyncio.run(sql_store.retrieve_full_tracker("two-sessions")).events) == 4
