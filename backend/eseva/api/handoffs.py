"""`/api/handoffs` and the conversation-owner question the channels ask."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eseva import handback, watcher
from eseva import handoffs as service
from eseva.api.deps import DatabaseDep, LevelsDep, RouterDep
from eseva.auth import AnyCaller, Principal, ServiceCaller
from eseva.db import Database
from eseva.logs import log_state_change
from eseva.models import Handoff, HandoffMessage, Officer
from eseva.rasa import RasaClient
from eseva.sla import ServiceLevels
from eseva.texts import (
    CollectedConsumerId,
    Description,
    FullName,
    Location,
    MessageText,
    OutletDetails,
    SenderId,
    ServiceAgency,
)
from eseva.vocab import Category, Channel, HandoffReason, Language, Priority

logger = logging.getLogger(__name__)
router = APIRouter(tags=["handoffs"])

HandoffStatus = Literal[
    "waiting", "assigned", "returned", "closed", "timed_out", "cancelled"
]
Direction = Literal["citizen", "officer", "bot", "system"]
HandoffId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Collected(BaseModel):
    """The complaint fields the bot had collected; not validated as identifiers,
    since a handoff may happen exactly because one failed validation."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    company: Annotated[str, Field(max_length=32)] | None = None
    full_name: FullName | None = None
    consumer_id: CollectedConsumerId | None = None
    location: Location | None = None
    service_agency: ServiceAgency | None = None
    outlet_details: OutletDetails | None = None
    description: Description | None = None


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    sender_id: SenderId
    reason: HandoffReason
    priority: Priority = "normal"
    language: Language
    complaint_reference: Annotated[str, Field(max_length=32)] | None = None
    collected: Collected = Field(default_factory=Collected)


class OfficerRef(BaseModel):
    username: str
    display_name: str


class MessageOut(BaseModel):
    id: int
    direction: str
    text: str
    officer: str | None
    platform_message_id: str | None
    delivery_status: str
    delivery_error: str | None
    created_at: datetime
    updated_at: datetime


class HandoffOut(BaseModel):
    id: int
    channel: str
    sender_id: str
    status: str
    reason: str
    priority: str
    language: str
    complaint_reference: str | None
    company: str | None
    collected: dict[str, Any]
    officer: OfficerRef | None
    created_at: datetime
    updated_at: datetime
    claimed_at: datetime | None
    ended_at: datetime | None
    pickup_due: datetime
    messages: list[MessageOut] | None = None


class ReturnedHandoffOut(HandoffOut):
    """A returned handoff and whether the bot greeted the citizen again; when not,
    the bot answers their next message."""

    greeted: bool


class HandoffPage(BaseModel):
    items: list[HandoffOut]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: MessageText
    direction: Direction | None = None
    platform_message_id: Annotated[str, Field(min_length=1, max_length=128)] | None = (
        None
    )


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_status: Literal["sent", "failed"]
    delivery_error: (
        Annotated[str, Field(max_length=200, pattern=r"^[\x20-\x7e]*$")] | None
    ) = None


class OwnerOut(BaseModel):
    owner: Literal["bot", "waiting", "officer"]
    handoff_id: int | None
    officer: str | None


def message_out(message: HandoffMessage, usernames: dict[int, str]) -> MessageOut:
    return MessageOut(
        id=message.id,
        direction=message.direction,
        text=message.text,
        officer=usernames.get(message.officer_id) if message.officer_id else None,
        platform_message_id=message.platform_message_id,
        delivery_status=message.delivery_status,
        delivery_error=message.delivery_error,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )


def handoff_out(
    handoff: Handoff, levels: ServiceLevels, messages: list[MessageOut] | None = None
) -> HandoffOut:
    officer = handoff.officer
    return HandoffOut(
        id=handoff.id,
        channel=handoff.channel,
        sender_id=handoff.sender_id,
        status=handoff.status,
        reason=handoff.reason,
        priority=handoff.priority,
        language=handoff.language,
        complaint_reference=handoff.complaint_reference,
        company=handoff.company,
        collected=handoff.collected,
        officer=OfficerRef(username=officer.username, display_name=officer.display_name)
        if officer
        else None,
        created_at=handoff.created_at,
        updated_at=handoff.updated_at,
        claimed_at=handoff.claimed_at,
        ended_at=handoff.ended_at,
        pickup_due=levels.pickup_due(handoff.created_at, handoff.priority),
        messages=messages,
    )


def _with_messages(session: Any, handoff: Handoff, levels: ServiceLevels) -> HandoffOut:
    rows = session.scalars(
        select(HandoffMessage)
        .where(HandoffMessage.handoff_id == handoff.id)
        .order_by(HandoffMessage.id)
    ).all()
    ids = {m.officer_id for m in rows if m.officer_id}
    usernames = (
        {
            o.id: o.username
            for o in session.scalars(select(Officer).where(Officer.id.in_(ids))).all()
        }
        if ids
        else {}
    )
    return handoff_out(handoff, levels, [message_out(m, usernames) for m in rows])


@router.post("/api/handoffs", status_code=201, response_model=HandoffOut)
def open_handoff(
    body: HandoffIn,
    response: Response,
    principal: ServiceCaller,
    db: DatabaseDep,
    brands: RouterDep,
    levels: LevelsDep,
) -> HandoffOut:
    """Hand a conversation to the officers; 200 with the active one if it exists."""
    fields = body.model_dump()
    fields["collected"] = body.collected.model_dump(exclude_none=True)
    try:
        with db.writing() as session:
            handoff, created = service.open_handoff(
                session, fields, brands, principal.actor
            )
            result = handoff_out(handoff, levels)
    except IntegrityError:
        # A concurrent request opened the conversation's handoff first.
        with db.reading() as session:
            handoff = service.find_active(session, body.channel, body.sender_id)
            if handoff is None:
                raise
            created, result = False, handoff_out(handoff, levels)
    if created:
        log_state_change("handoff", str(result.id), "bot", "waiting", principal.actor)
    else:
        response.status_code = 200
    return result


@router.get("/api/handoffs", response_model=HandoffPage)
def list_handoffs(
    principal: AnyCaller,
    db: DatabaseDep,
    levels: LevelsDep,
    sender_id: Annotated[str | None, Query(max_length=128)] = None,
    channel: Channel | None = None,
    status: HandoffStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HandoffPage:
    """Handoffs this caller may see: the most urgent and oldest first."""
    statement = select(Handoff)
    if not principal.sees_all:
        statement = statement.where(Handoff.company == principal.company)
    if sender_id is not None:
        statement = statement.where(Handoff.sender_id == sender_id)
    if channel is not None:
        statement = statement.where(Handoff.channel == channel)
    if status is not None:
        statement = statement.where(Handoff.status == status)
    statement = statement.order_by(
        (Handoff.priority == "urgent").desc(), Handoff.created_at, Handoff.id
    )
    with db.reading() as session:
        rows = session.scalars(statement.limit(limit).offset(offset)).all()
        return HandoffPage(items=[handoff_out(h, levels) for h in rows])


@router.get("/api/handoffs/{handoff_id}", response_model=HandoffOut)
def get_handoff(
    handoff_id: HandoffId, principal: AnyCaller, db: DatabaseDep, levels: LevelsDep
) -> HandoffOut:
    with db.reading() as session:
        handoff = service.get_visible(session, handoff_id, principal)
        return _with_messages(session, handoff, levels)


def _action_route(rule: service.HandoffTransition) -> Callable[..., HandoffOut]:
    """The endpoint of one row of the handoff table."""

    def endpoint(
        handoff_id: HandoffId,
        principal: AnyCaller,
        db: DatabaseDep,
        levels: LevelsDep,
        request: Request,
    ) -> HandoffOut:
        if rule.action == "timeout":
            return _time_out(handoff_id, principal, db, levels, request)
        if rule.action == "return":
            return _return(handoff_id, principal, db, levels, request)
        with db.writing() as session:
            handoff = service.act(session, handoff_id, rule.action, principal)
            result = handoff_out(handoff, levels)
        log_state_change(
            "handoff", str(handoff_id), rule.source, rule.target, principal.actor
        )
        return result

    endpoint.__name__ = f"{rule.action}_handoff"
    endpoint.__doc__ = (
        f"{rule.source} -> {rule.target}, by the {rule.who} (docs/backend.md)."
    )
    return endpoint


def _time_out(
    handoff_id: int,
    principal: Principal,
    db: Database,
    levels: ServiceLevels,
    request: Request,
) -> HandoffOut:
    """As the watcher does it: register the complaint, then have the bot say so."""
    settings = request.app.state.settings
    sender_id, reference, _language = watcher.time_out(
        db, handoff_id, request.app.state.router, principal, quiet=False
    ) or ("", "", "")
    rasa = RasaClient.from_settings(settings)
    watcher.tell(rasa, handoff_id, sender_id, reference)
    with db.reading() as session:
        return handoff_out(service.get_visible(session, handoff_id, principal), levels)


def _return(
    handoff_id: int,
    principal: Principal,
    db: Database,
    levels: ServiceLevels,
    request: Request,
) -> ReturnedHandoffOut:
    """As the console does it: refused while the bot is down, else the bot greets."""
    rasa = RasaClient.from_settings(request.app.state.settings)
    greeted = handback.return_to_bot(db, rasa, handoff_id, principal)
    with db.reading() as session:
        handoff = service.get_visible(session, handoff_id, principal)
        return ReturnedHandoffOut(
            **handoff_out(handoff, levels).model_dump(), greeted=greeted
        )


# The answer of each action: `return` also says whether the bot greeted the citizen.
ACTION_ANSWERS: dict[str, type[HandoffOut]] = {"return": ReturnedHandoffOut}


for _rule in service.HANDOFF_TRANSITIONS:
    router.add_api_route(
        f"/api/handoffs/{{handoff_id}}/{_rule.action}",
        _action_route(_rule),
        methods=["POST"],
        response_model=ACTION_ANSWERS.get(_rule.action, HandoffOut),
        name=f"{_rule.action}_handoff",
    )


@router.post(
    "/api/handoffs/{handoff_id}/messages", status_code=201, response_model=MessageOut
)
def post_message(
    handoff_id: HandoffId,
    body: MessageIn,
    response: Response,
    principal: AnyCaller,
    db: DatabaseDep,
) -> MessageOut:
    """A citizen message relayed by a channel (service), or an officer's reply."""
    with db.writing() as session:
        handoff = service.get_visible(session, handoff_id, principal)
        message, created = service.post_message(
            session,
            handoff,
            principal,
            body.direction,
            body.text,
            body.platform_message_id,
        )
        usernames = {principal.officer_id: principal.username or ""}
        result = message_out(message, usernames if principal.officer_id else {})
    if not created:
        response.status_code = 200
    else:
        logger.info(
            "handoff message handoff=%s message=%s direction=%s",
            handoff_id,
            result.id,
            result.direction,
        )
    return result


@router.get("/api/handoffs/{handoff_id}/messages", response_model=list[MessageOut])
def list_messages(
    handoff_id: HandoffId,
    principal: AnyCaller,
    db: DatabaseDep,
    levels: LevelsDep,
    direction: Direction | None = None,
    delivery_status: Literal["received", "pending", "sent", "failed", "internal"]
    | None = None,
) -> list[MessageOut]:
    with db.reading() as session:
        handoff = service.get_visible(session, handoff_id, principal)
        messages = _with_messages(session, handoff, levels).messages or []
    return [
        m
        for m in messages
        if (direction is None or m.direction == direction)
        and (delivery_status is None or m.delivery_status == delivery_status)
    ]


@router.patch(
    "/api/handoffs/{handoff_id}/messages/{message_id}", response_model=MessageOut
)
def update_delivery(
    handoff_id: HandoffId,
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: DeliveryIn,
    principal: ServiceCaller,
    db: DatabaseDep,
) -> MessageOut:
    """The channel reports whether an outgoing message reached the citizen."""
    with db.writing() as session:
        handoff = service.get_visible(session, handoff_id, principal)
        message = service.update_delivery(
            session, handoff, message_id, body.delivery_status, body.delivery_error
        )
        result = message_out(message, {})
    logger.info(
        "handoff delivery handoff=%s message=%s status=%s",
        handoff_id,
        message_id,
        result.delivery_status,
    )
    return result


@router.get("/api/conversations/{channel}/{sender_id}/owner", response_model=OwnerOut)
def conversation_owner(
    channel: Channel,
    sender_id: Annotated[str, Path(min_length=1, max_length=128)],
    _principal: ServiceCaller,
    db: DatabaseDep,
) -> OwnerOut:
    """Who answers this conversation now; channels ask before Rasa sees a message."""
    with db.reading() as session:
        handoff = service.find_active(session, channel, sender_id)
        if handoff is None:
            return OwnerOut(owner="bot", handoff_id=None, officer=None)
        if handoff.status == "waiting":
            return OwnerOut(owner="waiting", handoff_id=handoff.id, officer=None)
        officer = handoff.officer
        return OwnerOut(
            owner="officer",
            handoff_id=handoff.id,
            officer=officer.display_name if officer else None,
        )
