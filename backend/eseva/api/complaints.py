"""`/api/complaints`: file, read, list and move complaints; the citizen's view."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from eseva import complaints as service
from eseva.api.deps import DatabaseDep, LevelsDep, RouterDep
from eseva.auth import AnyCaller, Principal, ServiceCaller
from eseva.errors import ApiError
from eseva.identifiers import IdentifierError, normalise_consumer_id
from eseva.lifecycle import Status, is_open
from eseva.logs import log_state_change
from eseva.models import Complaint, utcnow
from eseva.sla import ServiceLevels
from eseva.texts import (
    Description,
    FullName,
    Location,
    Note,
    Office,
    OutletDetails,
    Reason,
    SenderId,
    ServiceAgency,
)
from eseva.vocab import Category, Channel, Language, Priority

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/complaints", tags=["complaints"])

CompanyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
ReferencePath = Annotated[str, Path(max_length=32)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$"
    ),
]


def _consumer_id(value: object) -> object:
    if value is None or not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return normalise_consumer_id(value)
    except IdentifierError as error:
        raise ValueError(str(error)) from None


ConsumerId = Annotated[str | None, BeforeValidator(_consumer_id)]


class ComplaintIn(BaseModel):
    """A new complaint, as the bot collected it."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    company: CompanyCode | None = None
    full_name: FullName
    consumer_id: ConsumerId = None
    location: Location
    service_agency: ServiceAgency | None = None
    outlet_details: OutletDetails | None = None
    description: Description | None = None
    language: Language
    channel: Channel
    sender_id: SenderId
    priority: Priority = "normal"


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None
    detail: dict[str, Any]


class NotificationBrief(BaseModel):
    id: int
    status: str
    delivery_status: str
    delivery_error: str | None
    created_at: datetime


class ComplaintOut(BaseModel):
    reference: str
    status: str
    category: str
    company: str | None
    office: str | None
    full_name: str
    consumer_id: str | None
    location: str
    service_agency: str | None
    outlet_details: str | None
    description: str
    language: str
    channel: str
    sender_id: str
    priority: str
    duplicate_of: str | None
    transfer_count: int
    assigned_to: str | None
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    first_contact_due: datetime
    expected_by: datetime
    overdue: bool
    history: list[HistoryEntry] | None = None
    notifications: list[NotificationBrief] | None = None


class ComplaintPage(BaseModel):
    items: list[ComplaintOut]
    total: int
    limit: int
    offset: int


class ComplaintPatch(BaseModel):
    """A status change (with what the table requires) and/or a new priority."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    note: Note | None = None
    reason: Reason | None = None
    company: CompanyCode | None = None
    office: Office | None = None
    duplicate_of: Annotated[str, Field(max_length=32)] | None = None
    assigned_to: Annotated[str, Field(max_length=64)] | None = None
    priority: Priority | None = None
    # The service acts for one citizen: it names the conversation the complaint
    # came from, and a complaint of another conversation is not found.
    channel: Channel | None = None
    sender_id: SenderId | None = None


class CitizenStatus(BaseModel):
    reference: str
    status: str
    updated_at: datetime
    expected_by: datetime | None
    duplicate_of: str | None
    overdue: bool


def to_out(
    complaint: Complaint, levels: ServiceLevels, with_history: bool = False
) -> ComplaintOut:
    now = utcnow()
    officer = complaint.assigned_to
    history = notices = None
    if with_history:
        history = [
            HistoryEntry.model_validate(e, from_attributes=True)
            for e in complaint.history
        ]
        notices = [
            NotificationBrief.model_validate(n, from_attributes=True)
            for n in complaint.notifications
        ]
    return ComplaintOut(
        reference=complaint.reference,
        status=complaint.status,
        category=complaint.category,
        company=complaint.company,
        office=complaint.office,
        full_name=complaint.full_name,
        consumer_id=complaint.consumer_id,
        location=complaint.location,
        service_agency=complaint.service_agency,
        outlet_details=complaint.outlet_details,
        description=complaint.description,
        language=complaint.language,
        channel=complaint.channel,
        sender_id=complaint.sender_id,
        priority=complaint.priority,
        duplicate_of=complaint.duplicate_of,
        transfer_count=complaint.transfer_count,
        assigned_to=officer.username if officer else None,
        rejection_reason=complaint.rejection_reason,
        created_at=complaint.created_at,
        updated_at=complaint.updated_at,
        first_contact_due=levels.first_contact_due(
            complaint.created_at, complaint.priority
        ),
        expected_by=levels.expected_by(complaint.created_at, complaint.priority),
        overdue=levels.is_overdue(
            complaint.status, complaint.created_at, complaint.priority, now
        ),
        history=history,
        notifications=notices,
    )


@router.post(
    "",
    status_code=201,
    response_model=ComplaintOut,
    responses={200: {"description": "The same key and body again: the same complaint"}},
)
def create_complaint(
    body: ComplaintIn,
    idempotency_key: IdempotencyKey,
    response: Response,
    principal: AnyCaller,
    db: DatabaseDep,
    brands: RouterDep,
    levels: LevelsDep,
) -> ComplaintOut:
    """File a complaint. A repeated `Idempotency-Key` returns the first result."""
    fields = body.model_dump()
    fields["description"] = fields["description"] or ""
    body_hash = service.request_hash(fields)

    with db.reading() as session:
        existing = service.find_by_key(session, idempotency_key)
        if existing is not None:
            outcome = service.replay(existing, body_hash, principal)
            response.status_code = 200
            return to_out(outcome.complaint, levels)

    try:
        with db.writing() as session:
            outcome = service.create(
                session, fields, idempotency_key, body_hash, brands, principal
            )
            result = to_out(outcome.complaint, levels)
    except IntegrityError:
        # Another request with the same key committed first.
        with db.reading() as session:
            existing = service.find_by_key(session, idempotency_key)
            if existing is None:
                raise
            outcome = service.replay(existing, body_hash, principal)
            result = to_out(outcome.complaint, levels)

    if not outcome.created:
        response.status_code = 200
        return result
    for item in outcome.changes:
        log_state_change(
            "reference", item.reference, item.source, item.target, item.actor
        )
    return result


@router.get("", response_model=ComplaintPage)
def list_complaints(
    principal: AnyCaller,
    db: DatabaseDep,
    levels: LevelsDep,
    sender_id: Annotated[str | None, Query(max_length=128)] = None,
    channel: Channel | None = None,
    status: Status | None = None,
    company: Annotated[str | None, Query(max_length=32)] = None,
    category: Category | None = None,
    priority: Priority | None = None,
    assigned_to: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ComplaintPage:
    """Complaints this caller may see, newest first."""
    filters = {
        "sender_id": sender_id,
        "channel": channel,
        "status": status,
        "company": company,
        "category": category,
        "priority": priority,
        "assigned_to": assigned_to,
        "overdue": overdue,
    }
    statement = service.list_query(principal, filters, levels, utcnow())
    with db.reading() as session:
        total = service.count(session, statement)
        rows = session.scalars(
            statement.order_by(Complaint.created_at.desc(), Complaint.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        items = [to_out(c, levels) for c in rows]
    return ComplaintPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{reference}", response_model=ComplaintOut)
def get_complaint(
    reference: ReferencePath, principal: AnyCaller, db: DatabaseDep, levels: LevelsDep
) -> ComplaintOut:
    with db.reading() as session:
        complaint = service.get_visible(session, reference, principal)
        return to_out(complaint, levels, with_history=True)


@router.patch("/{reference}", response_model=ComplaintOut)
def patch_complaint(
    reference: ReferencePath,
    body: ComplaintPatch,
    principal: AnyCaller,
    db: DatabaseDep,
    brands: RouterDep,
    levels: LevelsDep,
) -> ComplaintOut:
    """Move a complaint along the state machine (see docs/backend.md)."""
    patch = body.model_dump(exclude_none=True)
    if "status" not in patch and "priority" not in patch:
        raise ApiError(
            422, "invalid", "Give a status or a priority to change.", "status"
        )
    with db.writing() as session:
        complaint = service.get_visible(session, reference, principal, lock=True)
        _check_conversation(complaint, body, principal)
        changes = service.change(session, complaint, patch, principal, brands)
        session.flush()
        result = to_out(complaint, levels, with_history=True)
    for item in changes:
        log_state_change(
            "reference", item.reference, item.source, item.target, item.actor
        )
    return result


def _check_conversation(
    complaint: Complaint, body: ComplaintPatch, principal: Principal
) -> None:
    if not principal.is_service:
        return
    if body.channel is None or body.sender_id is None:
        raise ApiError(
            422, "invalid", "The service names the citizen's conversation.", "sender_id"
        )
    if (body.channel, body.sender_id) != (complaint.channel, complaint.sender_id):
        raise service.not_found()


@router.get("/{reference}/status", response_model=CitizenStatus)
def citizen_status(
    reference: ReferencePath,
    channel: Channel,
    sender_id: Annotated[str, Query(min_length=1, max_length=128)],
    principal: ServiceCaller,
    db: DatabaseDep,
    levels: LevelsDep,
) -> CitizenStatus:
    """What the citizen who filed the complaint may be told; nobody else."""
    with db.reading() as session:
        complaint = service.get_visible(session, reference, principal)
        if (complaint.channel, complaint.sender_id) != (channel, sender_id):
            raise service.not_found()
        expected = (
            levels.expected_by(complaint.created_at, complaint.priority)
            if is_open(complaint.status)
            else None
        )
        return CitizenStatus(
            reference=complaint.reference,
            status=complaint.status,
            updated_at=complaint.updated_at,
            expected_by=expected,
            duplicate_of=complaint.duplicate_of,
            overdue=levels.is_overdue(
                complaint.status, complaint.created_at, complaint.priority, utcnow()
            ),
        )
