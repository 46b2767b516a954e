"""`/api/notifications`: status updates for the channels to deliver to citizens."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from eseva import notifications as service
from eseva.api.deps import DatabaseDep
from eseva.auth import ServiceCaller
from eseva.models import Notification
from eseva.vocab import Channel

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/notifications", tags=["notifications"])

DeliveryStatus = Literal["pending", "sent", "failed"]


class NotificationOut(BaseModel):
    id: int
    reference: str
    channel: str
    sender_id: str
    language: str
    status: str
    delivery_status: str
    delivery_error: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


class NotificationPage(BaseModel):
    items: list[NotificationOut]


class DeliveryReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_status: Literal["sent", "failed"]
    delivery_error: (
        Annotated[str, Field(max_length=200, pattern=r"^[\x20-\x7e]*$")] | None
    ) = None


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut.model_validate(notification, from_attributes=True)


@router.get("", response_model=NotificationPage)
def list_notifications(
    _principal: ServiceCaller,
    db: DatabaseDep,
    delivery_status: DeliveryStatus = "pending",
    channel: Channel | None = None,
    reference: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    """Oldest first, so updates reach a citizen in the order they happened."""
    statement = (
        select(Notification)
        .where(Notification.delivery_status == delivery_status)
        .order_by(Notification.id)
        .limit(limit)
    )
    if channel is not None:
        statement = statement.where(Notification.channel == channel)
    if reference is not None:
        statement = statement.where(Notification.reference == reference.upper())
    with db.reading() as session:
        rows = session.scalars(statement).all()
        return NotificationPage(items=[notification_out(n) for n in rows])


@router.patch("/{notification_id}", response_model=NotificationOut)
def report_delivery(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: DeliveryReport,
    _principal: ServiceCaller,
    db: DatabaseDep,
) -> NotificationOut:
    with db.writing() as session:
        notification = service.report(
            session, notification_id, body.delivery_status, body.delivery_error
        )
        result = notification_out(notification)
    logger.info(
        "notification delivery notification=%s reference=%s status=%s",
        result.id,
        result.reference,
        result.delivery_status,
    )
    return result
