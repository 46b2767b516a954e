"""Durable channel state in one SQL database (SQLite by default, or PostgreSQL).

- `channel_inbound`: every platform message id seen, for de-duplication (kept at least
  `dedup_days`), with its processing state and, until processed, the parsed message so
  that a restart does not lose what was acknowledged but not yet handled;
- `channel_outbound`: the send log, one row per outbound platform call and its result;
- `channel_senders`: per citizen, the time of their last message (Messenger's 24-hour
  window) and the quick-reply options last offered to them;
- `channel_leases`: named leases, one holder at a time (the officer-reply poller of a
  channel runs in the one Rasa process holding its lease);
- `channel_officer_sends`: officers' replies that went to the platform and what the
  platform answered, so a reply whose report to the backend failed is reported again
  and never sent again.

The calls are short synchronous transactions; the connectors make them from the event
loop.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.channels.settings import REPO_ROOT
from bot.channels.text import Option

logger = logging.getLogger(__name__)

metadata = sa.MetaData()

inbound = sa.Table(
    "channel_inbound",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("message_id", sa.String(128), primary_key=True),
    sa.Column("sender_id", sa.String(128), nullable=False),
    sa.Column("received_at", sa.Float, nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("pending", sa.Text, nullable=True),
)

outbound = sa.Table(
    "channel_outbound",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient_id", sa.String(128), nullable=False, index=True),
    sa.Column("in_reply_to", sa.String(128), nullable=True, index=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("platform_message_id", sa.String(128), nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("error_message", sa.String(500), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("chars", sa.Integer, nullable=False),
    sa.Column("messaging_type", sa.String(24), nullable=True),
    sa.Column("tag", sa.String(32), nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

senders = sa.Table(
    "channel_senders",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("sender_id", sa.String(128), primary_key=True),
    sa.Column("last_inbound_at", sa.Float, nullable=True),
    sa.Column("offers", sa.Text, nullable=True),
    sa.Column("offered_at", sa.Float, nullable=True),
)

leases = sa.Table(
    "channel_leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

officer_sends = sa.Table(
    "channel_officer_sends",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("handoff_id", sa.String(64), primary_key=True),
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("sent_at", sa.Float, nullable=False, index=True),
)

# Inbound states. `queued`: acknowledged, waiting for its turn; `answered`: Rasa ran and
# every reply was sent; `unanswered`: Rasa ran but a reply could not be sent;
# `relayed`: handed to the officer; `ignored`: nothing to do; `failed`: processing
# raised.
QUEUED = "queued"
ANSWERED = "answered"
UNANSWERED = "unanswered"
RELAYED = "relayed"
IGNORED = "ignored"
FAILED = "failed"


@dataclass(frozen=True)
class SendRecord:
    """One outbound platform call and its result."""

    channel: str
    recipient_id: str
    kind: str
    status: str
    attempts: int
    chars: int = 0
    in_reply_to: str | None = None
    platform_message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    messaging_type: str | None = None
    tag: str | None = None


def normalise_url(url: str) -> str:
    """SQLite paths relative to the repository root; PostgreSQL through psycopg2
    (the bot's SQLAlchemy 1.4 has no psycopg 3 dialect)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url[len("sqlite:///") :]
        if relative and relative != ":memory:":
            path = REPO_ROOT / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{path}"
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"timeout": 15, "check_same_thread": False},
            poolclass=sa.pool.QueuePool,
            pool_size=4,
            max_overflow=4,
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            # WAL with NORMAL: no fsync per commit; durable across a process crash.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class ChannelStore:
    """De-duplication, send log and per-citizen state."""

    def __init__(self, url: str, dedup_days: float = 8.0) -> None:
        self.engine = make_engine(url)
        self.retention_seconds = dedup_days * 86400
        self._last_prune = 0.0
        metadata.create_all(self.engine)
        # Rasa makes the connectors before it forks its workers (SANIC_WORKERS): no
        # connection may be open then, or the workers would share it.
        self.engine.dispose()

    # -- inbound ---------------------------------------------------------------------

    def claim(
        self,
        channel: str,
        message_id: str,
        sender_id: str,
        pending: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> bool:
        """Record a platform message id; False when it was seen before."""
        now = time.time() if now is None else now
        row = {
            "channel": channel,
            "message_id": message_id,
            "sender_id": sender_id,
            "received_at": now,
            "state": QUEUED,
            "updated_at": now,
            "pending": json.dumps(pending) if pending is not None else None,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(inbound.insert().values(**row))
        except IntegrityError:
            return False
        self._maybe_prune(now)
        return True

    def finish(self, channel: str, message_id: str, state: str) -> None:
        """Set the final state of a message and drop its pending copy."""
        with self.engine.begin() as connection:
            connection.execute(
                inbound.update()
                .where(inbound.c.channel == channel)
                .where(inbound.c.message_id == message_id)
                .values(state=state, updated_at=time.time(), pending=None)
            )

    def state(self, channel: str, message_id: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(inbound.c.state)
                .where(inbound.c.channel == channel)
                .where(inbound.c.message_id == message_id)
            ).scalar()

    def take_pending(
        self, channel: str, max_age: float, received_before: float
    ) -> list[dict[str, Any]]:
        """Messages acknowledged before `received_before` (when this run of Rasa
        started) but never processed, each to exactly one of the processes asking:
        taking one moves its `updated_at` past `received_before` in one conditional
        UPDATE, which only the first process matches. A message taken by a process
        that dies before processing it is taken again at the next start."""
        since = time.time() - max_age
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(inbound.c.message_id, inbound.c.pending)
                .where(inbound.c.channel == channel)
                .where(inbound.c.state == QUEUED)
                .where(inbound.c.received_at >= since)
                .where(inbound.c.updated_at < received_before)
                .where(inbound.c.pending.isnot(None))
                .order_by(inbound.c.received_at)
            ).all()
        taken = []
        for message_id, raw in rows:
            with self.engine.begin() as connection:
                won = connection.execute(
                    inbound.update()
                    .where(inbound.c.channel == channel)
                    .where(inbound.c.message_id == message_id)
                    .where(inbound.c.state == QUEUED)
                    .where(inbound.c.updated_at < received_before)
                    .values(updated_at=max(time.time(), received_before))
                ).rowcount
            if won:
                taken.append(json.loads(raw))
        return taken

    def _maybe_prune(self, now: float) -> None:
        if now - self._last_prune < 3600:
            return
        self._last_prune = now
        cutoff = now - self.retention_seconds
        with self.engine.begin() as connection:
            deleted = connection.execute(
                inbound.delete().where(inbound.c.received_at < cutoff)
            ).rowcount
            deleted += connection.execute(
                officer_sends.delete().where(officer_sends.c.sent_at < cutoff)
            ).rowcount
        if deleted:
            logger.info(
                "pruned %d de-duplication rows older than the retention", deleted
            )

    # -- send log --------------------------------------------------------------------

    def record_send(self, record: SendRecord) -> None:
        values = record.__dict__ | {"created_at": time.time()}
        if values["error_message"]:
            values["error_message"] = values["error_message"][:500]
        with self.engine.begin() as connection:
            connection.execute(outbound.insert().values(**values))

    def sends(
        self, channel: str | None = None, recipient_id: str | None = None
    ) -> list[dict[str, Any]]:
        query = sa.select(outbound).order_by(outbound.c.id)
        if channel:
            query = query.where(outbound.c.channel == channel)
        if recipient_id:
            query = query.where(outbound.c.recipient_id == recipient_id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # -- per citizen -----------------------------------------------------------------

    def note_inbound(self, channel: str, sender_id: str, at: float) -> None:
        """Remember the citizen's latest message time (never moves backwards)."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                senders.update()
                .where(senders.c.channel == channel)
                .where(senders.c.sender_id == sender_id)
                .where(
                    sa.or_(
                        senders.c.last_inbound_at.is_(None),
                        senders.c.last_inbound_at < at,
                    )
                )
                .values(last_inbound_at=at)
            ).rowcount
            if updated:
                return
            exists = connection.execute(
                sa.select(senders.c.sender_id)
                .where(senders.c.channel == channel)
                .where(senders.c.sender_id == sender_id)
            ).first()
        if exists:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    senders.insert().values(
                        channel=channel, sender_id=sender_id, last_inbound_at=at
                    )
                )
        except IntegrityError:
            self.note_inbound(channel, sender_id, at)

    def last_inbound(self, channel: str, sender_id: str) -> float | None:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(senders.c.last_inbound_at)
                .where(senders.c.channel == channel)
                .where(senders.c.sender_id == sender_id)
            ).scalar()

    def save_offers(self, channel: str, sender_id: str, options: list[Option]) -> None:
        """Replace the options last offered to a citizen."""
        raw = json.dumps([[o.title, o.payload] for o in options]) if options else None
        now = time.time()
        with self.engine.begin() as connection:
            updated = connection.execute(
                senders.update()
                .where(senders.c.channel == channel)
                .where(senders.c.sender_id == sender_id)
                .values(offers=raw, offered_at=now)
            ).rowcount
        if updated:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    senders.insert().values(
                        channel=channel, sender_id=sender_id, offers=raw, offered_at=now
                    )
                )
        except IntegrityError:
            self.save_offers(channel, sender_id, options)

    def offers(self, channel: str, sender_id: str) -> list[Option]:
        with self.engine.connect() as connection:
            raw = connection.execute(
                sa.select(senders.c.offers)
                .where(senders.c.channel == channel)
                .where(senders.c.sender_id == sender_id)
            ).scalar()
        if not raw:
            return []
        return [Option(title, payload) for title, payload in json.loads(raw)]

    # -- leases ----------------------------------------------------------------------

    def hold_lease(
        self, name: str, holder: str, seconds: float, now: float | None = None
    ) -> bool:
        """Take or renew the lease `name` for `seconds`; True when `holder` holds it
        now. It is taken when nobody holds it or its holder let it expire; each step
        is one atomic statement, so two processes never both get it."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            renewed = connection.execute(
                leases.update()
                .where(leases.c.name == name)
                .where(sa.or_(leases.c.holder == holder, leases.c.expires_at <= now))
                .values(holder=holder, expires_at=now + seconds)
            ).rowcount
        if renewed:
            return True
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    leases.insert().values(
                        name=name, holder=holder, expires_at=now + seconds
                    )
                )
        except IntegrityError:
            return False
        return True

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up at once (another process may take it at its next try);
        nothing happens when `holder` does not hold it."""
        with self.engine.begin() as connection:
            connection.execute(
                leases.delete()
                .where(leases.c.name == name)
                .where(leases.c.holder == holder)
            )

    def lease_holder(self, name: str, now: float | None = None) -> str | None:
        """Who holds the lease `name` now; None when nobody does."""
        now = time.time() if now is None else now
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(leases.c.holder)
                .where(leases.c.name == name)
                .where(leases.c.expires_at > now)
            ).scalar()

    # -- officers' replies -----------------------------------------------------------

    def note_officer_send(
        self,
        channel: str,
        handoff_id: Any,
        message_id: Any,
        ok: bool,
        error_code: str | None,
    ) -> None:
        """Remember that an officer's reply went to the platform, with its result."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    officer_sends.insert().values(
                        channel=channel,
                        handoff_id=str(handoff_id),
                        message_id=str(message_id),
                        ok=ok,
                        error_code=error_code[:64] if error_code else None,
                        sent_at=time.time(),
                    )
                )
        except IntegrityError:
            logger.error(
                "%s: officer reply %s of handoff %s was already recorded as sent",
                channel,
                message_id,
                handoff_id,
            )

    def officer_send(
        self, channel: str, handoff_id: Any, message_id: Any
    ) -> tuple[bool, str | None] | None:
        """What the platform answered to an officer's reply sent before (ok, error
        code); None when it was never sent."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(officer_sends.c.ok, officer_sends.c.error_code)
                .where(officer_sends.c.channel == channel)
                .where(officer_sends.c.handoff_id == str(handoff_id))
                .where(officer_sends.c.message_id == str(message_id))
            ).first()
        return None if row is None else (bool(row.ok), row.error_code)

    def dispose(self) -> None:
        self.engine.dispose()


_stores: dict[str, ChannelStore] = {}


def shared_store(url: str, dedup_days: float) -> ChannelStore:
    """One store per database URL in this process, shared by both connectors."""
    store = _stores.get(url)
    if store is None:
        store = _stores[url] = ChannelStore(url, dedup_days)
    return store
