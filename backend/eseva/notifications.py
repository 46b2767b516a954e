"""The outbox of status updates owed to citizens, and their delivery reports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from eseva.errors import ApiError
from eseva.models import Complaint, Notification, utcnow

NOTIFY_STATUSES = frozenset(
    {
        "assigned",
        "in_progress",
        "awaiting_citizen",
        "transferred",
        "resolved",
        "closed",
        "rejected",
        "duplicate",
    }
)
"""Statuses the citizen is told about when an officer moves the complaint there."""

DELIVERY_UPDATES = {
    ("pending", "sent"),
    ("pending", "failed"),
    ("failed", "sent"),
    ("failed", "failed"),
}


def queue(session: Session, complaint: Complaint) -> None:
    """Owe the citizen an update about the complaint's new status, in this
    transaction."""
    if complaint.status not in NOTIFY_STATUSES:
        return
    now = utcnow()
    session.add(
        Notification(
            complaint_id=complaint.id,
            reference=complaint.reference,
            channel=complaint.channel,
            sender_id=complaint.sender_id,
            language=complaint.language,
            status=complaint.status,
            delivery_status="pending",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )


def report(
    session: Session, notification_id: int, status: str, error: str | None
) -> Notification:
    """Record what the platform did with the update."""
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None:
        raise ApiError(404, "not_found", "No notification with this id.", "id")
    if (notification.delivery_status, status) not in DELIVERY_UPDATES:
        raise ApiError(
            409,
            "illegal_transition",
            f"Delivery status '{notification.delivery_status}' cannot become "
            f"'{status}'.",
            "delivery_status",
        )
    notification.delivery_status = status
    notification.delivery_error = error if status == "failed" else None
    notification.attempts += 1
    notification.updated_at = utcnow()
    return notification
