"""`/api/audit`: the audit log for admins (who did what, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from eseva.api.deps import DatabaseDep
from eseva.auth import AdminCaller
from eseva.errors import ApiError
from eseva.models import AuditEntry

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditOut]


@router.get("", response_model=AuditPage)
def list_audit(
    principal: AdminCaller,
    db: DatabaseDep,
    target: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Newest first. The ministry's admins only: entries are not split by company."""
    if not principal.sees_all:
        raise ApiError(403, "forbidden", "The audit log is for the ministry's admins.")
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target is not None:
        statement = statement.where(AuditEntry.target == target)
    if actor is not None:
        statement = statement.where(AuditEntry.actor == actor)
    with db.reading() as session:
        rows = session.scalars(statement).all()
        return AuditPage(
            items=[AuditOut.model_validate(r, from_attributes=True) for r in rows]
        )
