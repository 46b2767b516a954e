"""Console sign-in sessions: a random cookie whose hash is stored, a CSRF token per
session, and an idle timeout."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from eseva.auth import Principal, hash_token
from eseva.models import ConsoleSession, Officer, utcnow

logger = logging.getLogger(__name__)

COOKIE = "eseva_console"
LOGIN_CSRF_COOKIE = "eseva_login_csrf"


@dataclass(frozen=True)
class SignedIn:
    """The officer behind a console request, and the session's CSRF token."""

    principal: Principal
    csrf_token: str
    session_id: int


def principal_of(officer: Officer) -> Principal:
    return Principal(
        kind="officer",
        role=officer.role,
        company=officer.company,
        officer_id=officer.id,
        username=officer.username,
        display_name=officer.display_name,
    )


def start(session: Session, officer: Officer) -> str:
    """A new session for `officer`; returns the cookie value (shown only here)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        ConsoleSession(
            token_hash=hash_token(token),
            officer_id=officer.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
        )
    )
    return token


def resume(
    session: Session, token: str | None, idle: timedelta, touch: bool = True
) -> SignedIn | None:
    """The live session of this cookie, or None; `touch` restarts its idle clock
    (and removes an expired one)."""
    if not token:
        return None
    row = session.scalar(
        select(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token))
    )
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen > idle or not row.officer.active:
        if touch:
            session.delete(row)
            logger.info("console: session %s ended (idle or inactive)", row.id)
        return None
    if touch:
        row.last_seen = now
    return SignedIn(principal_of(row.officer), row.csrf_token, row.id)


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(
            delete(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token))
        )


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
