"""The audit log: who did what, when. Ids and codes only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from eseva.logs import current_request_id
from eseva.models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the session's transaction."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            target=target,
            detail=detail or {},
            request_id=current_request_id(),
        )
    )
