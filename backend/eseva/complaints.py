"""Complaint operations: create (with duplicate linking), change status, read."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from eseva import audit, lifecycle, notifications
from eseva.auth import Principal
from eseva.errors import ApiError
from eseva.models import Complaint, ComplaintEvent, Officer, utcnow
from eseva.references import next_reference, normalise_reference, reference_year
from eseva.routing import BrandRouter
from eseva.sla import ServiceLevels
from eseva.vocab import KEROSENE_COMPANY, MINISTRY

logger = logging.getLogger(__name__)

NOT_FOUND_MESSAGE = "No complaint with this reference."


def not_found() -> ApiError:
    """The one answer for unknown, hidden and not-yours complaints alike."""
    return ApiError(404, "not_found", NOT_FOUND_MESSAGE, "reference")


def request_hash(body: dict[str, Any]) -> str:
    """A stable hash of a create request's body, to compare repeated keys."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def derive_company(fields: dict[str, Any], router: BrandRouter) -> str | None:
    """The company a complaint goes to: kerosene to the state, else the brand named."""
    if fields.get("category") == "kerosene":
        return KEROSENE_COMPANY
    given = fields.get("company")
    if given:
        if not router.is_company(given):
            raise ApiError(422, "invalid", "Unknown company code.", "company")
        return given
    return router.route(
        fields.get("outlet_details"),
        fields.get("service_agency"),
        fields.get("description"),
    )


@dataclass
class StateChange:
    """A change to log once its transaction is committed."""

    reference: str
    source: str | None
    target: str
    actor: str


@dataclass
class Outcome:
    complaint: Complaint
    created: bool
    changes: list[StateChange] = field(default_factory=list)


def find_by_key(session: Session, key: str) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.idempotency_key == key))


def replay(existing: Complaint, body_hash: str, principal: Principal) -> Outcome:
    """The answer to a repeated idempotency key: the same complaint, or a 409 (also
    when the caller may not see the complaint the key made)."""
    if existing.request_hash != body_hash or not principal.can_see(existing.company):
        raise ApiError(
            409,
            "idempotency_conflict",
            "This Idempotency-Key was used for a different complaint.",
            "Idempotency-Key",
        )
    return Outcome(existing, created=False)


def create(
    session: Session,
    fields: dict[str, Any],
    key: str,
    body_hash: str,
    router: BrandRouter,
    principal: Principal,
) -> Outcome:
    """File a complaint in the session's transaction (the caller commits)."""
    existing = find_by_key(session, key)
    if existing is not None:
        return replay(existing, body_hash, principal)

    actor = principal.actor
    company = derive_company(fields, router)
    now = utcnow()
    # The counter first: on PostgreSQL its row lock orders concurrent creates, so
    # the duplicate check below sees every complaint committed before this one.
    reference = next_reference(session, reference_year(now))
    original = _open_original(
        session, fields.get("consumer_id"), fields["category"], company
    )
    status = "duplicate" if original else "submitted"

    complaint = Complaint(
        **{k: v for k, v in fields.items() if k != "company"},
        company=company,
        reference=reference,
        idempotency_key=key,
        request_hash=body_hash,
        status=status,
        duplicate_of=original.reference if original else None,
        transfer_count=0,
        created_at=now,
        updated_at=now,
    )
    complaint.history = [
        ComplaintEvent(
            at=now,
            actor=actor,
            from_status=None,
            to_status=status,
            detail={"duplicate_of": original.reference} if original else {},
        )
    ]
    session.add(complaint)
    session.flush()
    audit.record(session, actor, "complaint.create", reference, {"status": status})
    return Outcome(complaint, True, [StateChange(reference, None, status, actor)])


def _open_original(
    session: Session, consumer_id: str | None, category: str, company: str | None
) -> Complaint | None:
    """The oldest open complaint with the same consumer ID, category and company."""
    if not consumer_id or not company:
        return None
    return session.scalar(
        select(Complaint)
        .where(
            Complaint.consumer_id == consumer_id,
            Complaint.category == category,
            Complaint.company == company,
            Complaint.status.not_in(lifecycle.CLOSED_STATUSES),
        )
        .order_by(Complaint.id)
        .limit(1)
    )


def get_visible(
    session: Session, reference: str, principal: Principal, lock: bool = False
) -> Complaint:
    """The complaint, if this caller may see it; otherwise the same 404 as unknown."""
    statement = select(Complaint).where(
        Complaint.reference == normalise_reference(reference)
    )
    if lock:
        statement = statement.with_for_update(of=Complaint)
    complaint = session.scalar(statement)
    if complaint is None or not principal.can_see(complaint.company):
        raise not_found()
    return complaint


def list_query(
    principal: Principal,
    filters: dict[str, Any],
    levels: ServiceLevels,
    now: datetime,
) -> Select[tuple[Complaint]]:
    """The complaints this caller may see, filtered."""
    statement = select(Complaint)
    if not principal.sees_all:
        statement = statement.where(Complaint.company == principal.company)
    for name in ("sender_id", "channel", "status", "company", "category", "priority"):
        value = filters.get(name)
        if value is not None:
            statement = statement.where(getattr(Complaint, name) == value)
    assigned_to = filters.get("assigned_to")
    if assigned_to is not None:
        statement = statement.join(Complaint.assigned_to).where(
            Officer.username == assigned_to
        )
    overdue = filters.get("overdue")
    if overdue is not None:
        condition = _overdue_condition(levels, now)
        statement = statement.where(condition if overdue else ~condition)
    return statement


def _overdue_condition(levels: ServiceLevels, now: datetime) -> Any:
    """SQL for `ServiceLevels.is_overdue`, one branch per priority."""
    branches = []
    for priority in levels.closure:
        late_close = Complaint.created_at < now - levels.closure[priority]
        late_contact = and_(
            Complaint.status == "submitted",
            Complaint.created_at < now - levels.first_contact[priority],
        )
        branches.append(
            and_(Complaint.priority == priority, or_(late_close, late_contact))
        )
    return and_(Complaint.status.not_in(lifecycle.CLOSED_STATUSES), or_(*branches))


def count(session: Session, statement: Select[tuple[Complaint]]) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def change(
    session: Session,
    complaint: Complaint,
    patch: dict[str, Any],
    principal: Principal,
    router: BrandRouter,
) -> list[StateChange]:
    """Apply a PATCH: a status change by the table, and/or a new priority."""
    changes: list[StateChange] = []
    now = utcnow()
    target = patch.get("status")
    if target is not None:
        changes.append(_transition(session, complaint, patch, principal, router, now))
        if not principal.is_service:
            notifications.queue(session, complaint)

    priority = patch.get("priority")
    priority_changed = priority is not None and priority != complaint.priority
    if priority_changed:
        if principal.is_service:
            raise ApiError(403, "forbidden", "Only an officer may change the priority.")
        complaint.history.append(
            ComplaintEvent(
                at=now,
                actor=principal.actor,
                from_status=complaint.status,
                to_status=complaint.status,
                note=patch.get("note") if target is None else None,
                detail={"priority": [complaint.priority, priority]},
            )
        )
        complaint.priority = priority

    complaint.updated_at = now
    for item in changes:
        audit.record(
            session,
            principal.actor,
            "complaint.status",
            complaint.reference,
            {"from": item.source, "to": item.target},
        )
    if priority_changed:
        audit.record(
            session, principal.actor, "complaint.priority", complaint.reference, {}
        )
    return changes


def _transition(
    session: Session,
    complaint: Complaint,
    patch: dict[str, Any],
    principal: Principal,
    router: BrandRouter,
    now: datetime,
) -> StateChange:
    source, target = complaint.status, patch["status"]
    rule = lifecycle.find(source, target)
    actor_kind = "citizen" if principal.is_service else "officer"
    if rule is None:
        allowed = ", ".join(lifecycle.next_statuses(source, actor_kind)) or "none"
        raise ApiError(
            409,
            "illegal_transition",
            f"A complaint in status '{source}' cannot move to '{target}'. "
            f"Allowed next: {allowed}.",
            "status",
        )
    if actor_kind not in rule.actors:
        raise ApiError(
            403,
            "forbidden",
            f"Only an officer may move a complaint from '{source}' to '{target}'.",
            "status",
        )

    detail: dict[str, Any] = {}
    for requirement in rule.requires:
        _check_requirement(requirement, patch)
    if target == "transferred":
        detail = _transfer(complaint, patch, principal, router)
    elif target == "assigned":
        detail = _assign(session, complaint, patch, principal)
    elif target == "rejected":
        complaint.rejection_reason = patch["reason"]
    elif target == "duplicate":
        detail = _mark_duplicate(session, complaint, patch["duplicate_of"])
    elif source == "duplicate":
        detail = {"duplicate_of": [complaint.duplicate_of, None]}
        complaint.duplicate_of = None

    complaint.status = target
    complaint.history.append(
        ComplaintEvent(
            at=now,
            actor=principal.actor,
            from_status=source,
            to_status=target,
            note=patch.get("note"),
            detail=detail,
        )
    )
    return StateChange(complaint.reference, source, target, principal.actor)


def _check_requirement(requirement: str, patch: dict[str, Any]) -> None:
    if requirement == "target":
        if not patch.get("company") and not patch.get("office"):
            raise ApiError(
                422, "invalid", "A transfer needs a company or an office.", "company"
            )
        return
    if not patch.get(requirement):
        raise ApiError(422, "invalid", "This change needs this field.", requirement)


def _transfer(
    complaint: Complaint,
    patch: dict[str, Any],
    principal: Principal,
    router: BrandRouter,
) -> dict[str, Any]:
    if complaint.transfer_count >= lifecycle.MAX_TRANSFERS:
        raise ApiError(
            409,
            "transfer_limit",
            f"A complaint may be transferred at most {lifecycle.MAX_TRANSFERS} times.",
            "status",
        )
    detail: dict[str, Any] = {}
    company = patch.get("company")
    if company and company != complaint.company:
        if not router.is_company(company) and company != MINISTRY:
            raise ApiError(422, "invalid", "Unknown company code.", "company")
        detail["company"] = [complaint.company, company]
        complaint.company = company
    office = patch.get("office")
    if office:
        detail["office"] = "changed"
        complaint.office = office
    complaint.assigned_to = None
    complaint.transfer_count += 1
    detail["transfer_count"] = complaint.transfer_count
    return detail


def _assign(
    session: Session, complaint: Complaint, patch: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    username = patch.get("assigned_to")
    if username is None:
        me = (
            session.get(Officer, principal.officer_id) if principal.officer_id else None
        )
        complaint.assigned_to = me
        return {"assigned_to": principal.officer_id}
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None or not officer.active:
        raise ApiError(
            422, "invalid", "No active officer with this username.", "assigned_to"
        )
    if not (officer.company == MINISTRY or officer.company == complaint.company):
        raise ApiError(
            422, "invalid", "This officer works for another company.", "assigned_to"
        )
    complaint.assigned_to = officer
    return {"assigned_to": officer.id}


def _mark_duplicate(
    session: Session, complaint: Complaint, reference: str
) -> dict[str, Any]:
    reference = normalise_reference(reference)
    original = session.scalar(select(Complaint).where(Complaint.reference == reference))
    if (
        original is None
        or original.id == complaint.id
        or original.company != complaint.company
        or not lifecycle.is_open(original.status)
    ):
        raise ApiError(
            422,
            "invalid",
            "duplicate_of must be another open complaint of the same company.",
            "duplicate_of",
        )
    complaint.duplicate_of = original.reference
    return {"duplicate_of": original.reference}
