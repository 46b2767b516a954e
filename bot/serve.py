"""`python -m bot.serve run ...`: Rasa's own command line, made faster in a few places.

Rasa 3.6 checks every answer of the action server against a JSON schema with
`jsonschema.validate`, which first validates the schema itself against the JSON
Schema meta-schema. With jsonschema 4.17 that check walks draft 2020-12's dynamic
references and costs more than the rest of a turn together (about 150 ms of CPU per
turn on 2 cores, measured with py-spy during `make bench`). Rasa's schemas never
change while it runs, so `install()` makes `jsonschema.validate` check each distinct
schema once and keep its validator. What is accepted and what is refused, and with
which error, stays exactly as before: only the repeated check of the schema goes.
Each event of an answer must match exactly one of Rasa's 23 event schemas (`oneOf`),
and jsonschema tries all 23, building errors for the 22 that fail on the event's name:
5% of a turn. A first pass tries only the schemas whose `event` constant is the event's
name (the others cannot match), and an answer it finds valid is valid; anything else
goes through the full check, which raises the error it always raised.

Rasa imports `validate` from jsonschema inside the function that uses it, so
replacing the module's attribute before Rasa starts is enough.

Rasa's SQL tracker store opens a SQLite file (the zero-setup default) in rollback
journal mode with a sync to disk on every commit, and commits on every turn: about
15 ms of each turn. `install()` puts every SQLite connection of this process in WAL
mode with `synchronous=NORMAL` (a committed turn survives a crash of Rasa; only a
power cut may lose the last turns) and a busy timeout, so that several Rasa
processes (SANIC_WORKERS) can share the file. It also keeps the tracker store's
SQLite connections open in a small pool: SQLAlchemy 1.4 opens and closes a file's
connection for every query otherwise (another 6% of a turn). PostgreSQL is not touched.

Rasa turns each stored event back into its class with `Event.resolve_by_type`, which
lists every subclass of Event anew for each event: about 5% of a turn, since the
tracker store reads every event of a conversation on each turn. `install()` looks the
name up in a table of the classes instead, built again whenever a name is missing from
it (a class imported later); each name gets the class Rasa's own lookup would return.

Each policy (memoization, rules, TED) asks the tracker for its past dialogue states,
some more than once, and each time Rasa replays the whole conversation to build them:
about 8% of a turn. The states depend only on the tracker's events (and the domain and
the options asked), so `install()` makes `past_states` keep its answer on the tracker
until an event is added, and hand each caller its own copy (callers change them).

Rasa's SQL tracker store builds an ORM query for the events of a conversation's latest
session on every read and again, to count them, on every save; SQLAlchemy 1.4 spends
more on building and keying that query than the database on running it (about 8% of a
turn). `install()` gives the store two fixed statements instead, which ask the database
the same question (events of the sender since its latest `session_started`, in id
order); reading every session of a conversation keeps Rasa's query.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import threading
from typing import Any

import jsonschema
from jsonschema import exceptions, validators
from sqlalchemy import event, pool, text
from sqlalchemy.engine import Engine, make_url

# A handful of schemas exist in Rasa (action answers, NLG answers, the domain); more
# distinct ones than this means something is building schemas on the fly: stop caching.
MAX_SCHEMAS = 64

# SQLite URLs without a file (in memory): nothing to pool.
FILELESS = (None, "", ":memory:")

_original_validate = jsonschema.validate
_original_engine_kwargs: Any = None
_checked: dict[tuple[type, str], Any] = {}
_lock = threading.Lock()
_original_resolve_by_type: Any = None
_event_classes: dict[str, type] = {}
_original_past_states: Any = None
_original_event_query: Any = None
# The attribute past_states keeps its answers in, on each tracker.
STATES_MEMO = "_eseva_past_states"


_MISSING = object()


def event_const(alternative: Any) -> Any:
    """The constant an alternative of a oneOf requires of an `event` field, if any."""
    if not isinstance(alternative, dict):
        return _MISSING
    field = alternative.get("properties", {}).get("event", {})
    return field.get("const", _MISSING) if isinstance(field, dict) else _MISSING


def one_of_by_event(validator: Any, alternatives: Any, instance: Any, schema: Any):
    """jsonschema's `oneOf`, as a valid-or-not answer, trying only the alternatives
    whose `event` constant is the instance's: every other one fails on that field."""
    full = validator.VALIDATORS_WITHOUT_SHORTCUT["oneOf"]
    consts = [event_const(alternative) for alternative in alternatives]
    name = instance.get("event", _MISSING) if isinstance(instance, dict) else _MISSING
    if not isinstance(name, str) or _MISSING in consts:
        yield from full(validator, alternatives, instance, schema)
        return
    matching = [alt for alt, const in zip(alternatives, consts) if const == name]
    valid = [
        alt for alt in matching if next(validator.descend(instance, alt), None) is None
    ]
    if len(valid) != 1:
        yield exceptions.ValidationError("not exactly one event schema matches")


def quick_validator(cls: type) -> type:
    """A validator class of `cls`'s draft whose oneOf dispatches on the event name."""
    quick = validators.extend(cls, {"oneOf": one_of_by_event})
    quick.VALIDATORS_WITHOUT_SHORTCUT = cls.VALIDATORS
    return quick


def validate(instance: Any, schema: Any, cls: type | None = None, *args, **kwargs):
    """`jsonschema.validate`, checking each schema against its meta-schema once."""
    if args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        key_text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return _original_validate(instance, schema, cls)
    if cls is None:
        cls = validators.validator_for(schema)
    key = (cls, key_text)
    validators_of_schema = _checked.get(key)
    if validators_of_schema is None:
        cls.check_schema(schema)  # raises SchemaError, and then nothing is kept
        validators_of_schema = (quick_validator(cls)(schema), cls(schema))
        with _lock:
            if len(_checked) < MAX_SCHEMAS:
                _checked[key] = validators_of_schema
    quick, validator = validators_of_schema
    if quick.is_valid(instance):
        return
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def tune_sqlite(connection: Any, _record: Any) -> None:
    """On each new DB-API connection: WAL, no sync per commit, wait when busy."""
    if not isinstance(connection, sqlite3.Connection):
        return
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def tracker_engine_kwargs(url: Any) -> dict[str, Any]:
    """Rasa's `create_engine` arguments for its SQL tracker store, with a pool of
    open connections for a SQLite file."""
    kwargs = _original_engine_kwargs(url)
    parsed = make_url(url)  # a string or already a URL
    if parsed.get_backend_name() == "sqlite" and parsed.database not in FILELESS:
        kwargs.setdefault("poolclass", pool.QueuePool)
        kwargs.setdefault("pool_size", 2)
        kwargs.setdefault("max_overflow", 2)
        # Rasa uses it from its event loop thread; workers are separate processes.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    return kwargs


def event_class_table() -> dict[str, type]:
    """Each event name with the class Rasa's own lookup finds first for it."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, type] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
    """`Event.resolve_by_type`, from a table instead of a walk of the subclasses."""
    global _event_classes
    cls = _event_classes.get(type_name)
    if cls is None:
        _event_classes = event_class_table()
        cls = _event_classes.get(type_name)
    if cls is not None:
        return cls
    return _original_resolve_by_type(type_name, default)  # unknown: Rasa decides


def past_states(
    tracker: Any,
    domain: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """`DialogueStateTracker.past_states`, computed once per tracker and events."""
    events = tracker.events
    # A deque of events only grows, or (bounded) drops its first one for a new last.
    version = (len(events), id(events[-1]) if events else None)
    memo = tracker.__dict__.get(STATES_MEMO)
    if memo is None or memo["version"] != version:
        memo = {"version": version, "answers": {}}
        tracker.__dict__[STATES_MEMO] = memo

    # The arguments themselves are kept with the answer: an id is never reused while
    # its object lives.
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns, id(rule_only_data))
    kept = memo["answers"].get(key)
    if kept is None:
        states = _original_past_states(
            tracker,
            domain,
            omit_unset_slots=omit_unset_slots,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
        )
        kept = (states, domain, rule_only_data)
        memo["answers"][key] = kept
    # A state maps its parts (user, previous action, slots, loop) to dicts of strings
    # and tuples: copying both levels gives the caller states of its own.
    return [{part: dict(values) for part, values in state.items()} for state in kept[0]]


# The events of a sender's latest session, as Rasa's SQLTrackerStore._event_query
# selects them: from its latest session_started on, or all when it has none.
LATEST_SESSION = """
FROM {table}
WHERE sender_id = :sender
  AND (timestamp >= (SELECT max(timestamp) FROM {table}
                     WHERE sender_id = :sender AND type_name = :started)
       OR (SELECT max(timestamp) FROM {table}
           WHERE sender_id = :sender AND type_name = :started) IS NULL)
"""


@functools.lru_cache(maxsize=8)
def latest_session_statements(table: str) -> tuple[Any, Any]:
    """The read (`data` in id order) and the count of LATEST_SESSION, per table."""
    where = LATEST_SESSION.format(table=table)
    return text(f"SELECT data {where} ORDER BY id"), text(f"SELECT count(*) {where}")


class LatestSessionEvents:
    """What Rasa's SQL tracker store asks of its event query for the latest session:
    `all()` (rows with `data`, in id order) and `count()`, as fixed statements."""

    def __init__(self, session: Any, table: str, sender_id: str) -> None:
        self.session = session
        self.read, self.counting = latest_session_statements(table)
        self.params = {"sender": sender_id, "started": "session_started"}

    def all(self) -> list[Any]:
        return list(self.session.execute(self.read, self.params))

    def count(self) -> int:
        return int(self.session.execute(self.counting, self.params).scalar_one())


def event_query(
    store: Any, session: Any, sender_id: str, fetch_events_from_all_sessions: bool
) -> Any:
    """`SQLTrackerStore._event_query`, with fixed statements for the latest session."""
    if fetch_events_from_all_sessions:
        return _original_event_query(store, session, sender_id, True)
    return LatestSessionEvents(session, store.SQLEvent.__tablename__, sender_id)


def install() -> None:
    global _original_engine_kwargs, _original_resolve_by_type, _original_past_states
    global _original_event_query
    from rasa.core import tracker_store
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    jsonschema.validate = validate
    if DialogueStateTracker.past_states is not past_states:
        _original_past_states = DialogueStateTracker.past_states
        DialogueStateTracker.past_states = past_states
    if Event.resolve_by_type is not resolve_by_type:
        _original_resolve_by_type = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(resolve_by_type)
    store_class = tracker_store.SQLTrackerStore
    if store_class._event_query is not event_query:
        _original_event_query = store_class._event_query
        store_class._event_query = event_query
    if tracker_store.create_engine_kwargs is not tracker_engine_kwargs:
        _original_engine_kwargs = tracker_store.create_engine_kwargs
        tracker_store.create_engine_kwargs = tracker_engine_kwargs
    if not event.contains(Engine, "connect", tune_sqlite):
        event.listen(Engine, "connect", tune_sqlite)


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
