"""Handoffs: who owns a conversation (the bot or an officer), as one table.

The bot hands a conversation over (`waiting`); an officer claims it (`assigned`) and
either returns it to the bot (`returned`) or ends it (`closed`). A waiting handoff can
also time out or be cancelled by the citizen. One handoff per (channel, sender_id) is
active (waiting or assigned) at a time, enforced by a unique column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eseva import audit
from eseva.auth import Principal
from eseva.errors import ApiError
from eseva.models import Complaint, Handoff, HandoffMessage, utcnow
from eseva.references import normalise_reference
from eseva.routing import BrandRouter
from eseva.vocab import KEROSENE_COMPANY

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = ("waiting", "assigned")


@dataclass(frozen=True)
class HandoffTransition:
    action: str
    source: str
    target: str
    who: str  # officer | service | service or admin | assigned officer or admin


HANDOFF_TRANSITIONS: tuple[HandoffTransition, ...] = (
    HandoffTransition("claim", "waiting", "assigned", "officer"),
    HandoffTransition("timeout", "waiting", "timed_out", "service or admin"),
    HandoffTransition("cancel", "waiting", "cancelled", "service"),
    HandoffTransition("return", "assigned", "returned", "assigned officer or admin"),
    HandoffTransition("close", "assigned", "closed", "assigned officer or admin"),
)
_BY_ACTION = {t.action: t for t in HANDOFF_TRANSITIONS}

DIRECTIONS_BY_CALLER = {
    "service": ("citizen", "bot", "system"),
    "officer": ("officer",),
}
FIRST_DELIVERY_STATUS = {
    "citizen": "received",
    "officer": "pending",
    "bot": "pending",
    "system": "internal",
}
DELIVERY_UPDATES = {("pending", "sent"), ("pending", "failed"), ("failed", "sent")}


def active_key(channel: str, sender_id: str) -> str:
    return f"{channel}:{sender_id}"


def not_found() -> ApiError:
    return ApiError(404, "not_found", "No handoff with this id.", "id")


def find_active(session: Session, channel: str, sender_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff).where(Handoff.active_key == active_key(channel, sender_id))
    )


def derive_company(
    session: Session,
    collected: dict[str, Any],
    reference: str | None,
    router: BrandRouter,
) -> str | None:
    """The company whose officers may see the handoff; None: the ministry's."""
    if collected.get("category") == "kerosene":
        return KEROSENE_COMPANY
    given = collected.get("company")
    if given and router.is_company(given):
        return given
    named = router.route(
        collected.get("outlet_details"),
        collected.get("service_agency"),
        collected.get("description"),
    )
    if named:
        return named
    if reference:
        complaint = session.scalar(
            select(Complaint).where(Complaint.reference == reference)
        )
        if complaint is not None:
            return complaint.company
    return None


def open_handoff(
    session: Session, fields: dict[str, Any], router: BrandRouter, actor: str
) -> tuple[Handoff, bool]:
    """The conversation's active handoff, or a new waiting one (created=True)."""
    existing = find_active(session, fields["channel"], fields["sender_id"])
    if existing is not None:
        if fields["priority"] == "urgent" and existing.priority != "urgent":
            existing.priority = "urgent"
            existing.updated_at = utcnow()
            add_message(
                session, existing, "system", f"priority raised: {fields['reason']}"
            )
            audit.record(session, actor, "handoff.priority", str(existing.id), {})
        return existing, False

    now = utcnow()
    reference = fields.get("complaint_reference")
    reference = normalise_reference(reference) if reference else None
    handoff = Handoff(
        channel=fields["channel"],
        sender_id=fields["sender_id"],
        status="waiting",
        reason=fields["reason"],
        priority=fields["priority"],
        language=fields["language"],
        complaint_reference=reference,
        company=derive_company(session, fields["collected"], reference, router),
        collected=fields["collected"],
        active_key=active_key(fields["channel"], fields["sender_id"]),
        created_at=now,
        updated_at=now,
    )
    session.add(handoff)
    session.flush()
    add_message(session, handoff, "system", f"handed to an officer: {fields['reason']}")
    audit.record(
        session, actor, "handoff.open", str(handoff.id), {"reason": handoff.reason}
    )
    return handoff, True


def get_visible(session: Session, handoff_id: int, principal: Principal) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or not principal.can_see(handoff.company):
        raise not_found()
    return handoff


def check(
    session: Session, handoff_id: int, action: str, principal: Principal
) -> Handoff:
    """The handoff if `principal` may make `action` on it now, else the 403/404/409.

    Changes nothing: `act` checks again under its conditional UPDATE.
    """
    rule = _BY_ACTION[action]
    handoff = get_visible(session, handoff_id, principal)
    if handoff.status != rule.source:
        raise _conflict(action, handoff)
    _check_caller(rule, handoff, principal)
    return handoff


def act(
    session: Session, handoff_id: int, action: str, principal: Principal
) -> Handoff:
    """Make `action` happen atomically, or explain with a 403/404/409 why not."""
    rule = _BY_ACTION[action]
    handoff = check(session, handoff_id, action, principal)

    now = utcnow()
    values: dict[str, Any] = {"status": rule.target, "updated_at": now}
    if rule.target == "assigned":
        values.update(officer_id=principal.officer_id, claimed_at=now)
    else:
        values.update(active_key=None, ended_at=now)
    # A conditional UPDATE: of two officers claiming at once, exactly one matches.
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == rule.source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(handoff)
        raise _conflict(action, handoff)
    session.expire(handoff)
    session.refresh(handoff)
    audit.record(session, principal.actor, f"handoff.{action}", str(handoff_id), {})
    return handoff


def _check_caller(
    rule: HandoffTransition, handoff: Handoff, principal: Principal
) -> None:
    allowed = True
    if rule.who == "officer":
        allowed = not principal.is_service
        if allowed and principal.officer_id is None:
            raise ApiError(
                403,
                "forbidden",
                "Claiming needs an officer account, not the admin token.",
            )
    elif rule.who == "service":
        allowed = principal.is_service
    elif rule.who == "service or admin":
        allowed = principal.is_service or principal.is_admin
    elif rule.who == "assigned officer or admin":
        allowed = not principal.is_service and (
            principal.is_admin or handoff.officer_id == principal.officer_id
        )
    if not allowed:
        raise ApiError(403, "forbidden", f"You may not {rule.action} this handoff.")


def _conflict(action: str, handoff: Handoff) -> ApiError:
    if action == "claim" and handoff.status == "assigned" and handoff.officer:
        return ApiError(
            409,
            "already_claimed",
            f"Already claimed by {handoff.officer.display_name} "
            f"({handoff.officer.username}).",
        )
    rule = _BY_ACTION[action]
    return ApiError(
        409,
        "illegal_transition",
        f"Cannot {action} a handoff that is '{handoff.status}' "
        f"(only one that is '{rule.source}').",
    )


def add_message(
    session: Session,
    handoff: Handoff,
    direction: str,
    text: str,
    officer_id: int | None = None,
    platform_message_id: str | None = None,
) -> HandoffMessage:
    now = utcnow()
    message = HandoffMessage(
        handoff_id=handoff.id,
        direction=direction,
        text=text,
        officer_id=officer_id,
        platform_message_id=platform_message_id,
        delivery_status=FIRST_DELIVERY_STATUS[direction],
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


def post_message(
    session: Session,
    handoff: Handoff,
    principal: Principal,
    direction: str | None,
    text: str,
    platform_message_id: str | None,
) -> tuple[HandoffMessage, bool]:
    """Append a relayed citizen message or an officer's reply; (message, created)."""
    caller = "service" if principal.is_service else "officer"
    allowed = DIRECTIONS_BY_CALLER[caller]
    direction = direction or allowed[0]
    if direction not in allowed:
        raise ApiError(
            422,
            "invalid",
            f"This caller may post only: {', '.join(allowed)}.",
            "direction",
        )
    if handoff.status not in ACTIVE_STATUSES:
        raise ApiError(
            409, "handoff_ended", f"The handoff is '{handoff.status}'; the bot owns it."
        )
    if direction == "officer" and (
        handoff.status != "assigned" or handoff.officer_id != principal.officer_id
    ):
        raise ApiError(
            409, "not_yours", "Claim the handoff before replying to the citizen."
        )

    if platform_message_id:
        seen = session.scalar(
            select(HandoffMessage).where(
                HandoffMessage.handoff_id == handoff.id,
                HandoffMessage.platform_message_id == platform_message_id,
            )
        )
        if seen is not None:
            return seen, False
    message = add_message(
        session, handoff, direction, text, principal.officer_id, platform_message_id
    )
    handoff.updated_at = message.created_at
    return message, True


def update_delivery(
    session: Session, handoff: Handoff, message_id: int, status: str, error: str | None
) -> HandoffMessage:
    """Record what the platform did with an outgoing message."""
    message = session.get(HandoffMessage, message_id)
    if message is None or message.handoff_id != handoff.id:
        raise ApiError(404, "not_found", "No message with this id.", "message_id")
    if (message.delivery_status, status) not in DELIVERY_UPDATES:
        raise ApiError(
            409,
            "illegal_transition",
            f"Delivery status '{message.delivery_status}' cannot become '{status}'.",
            "delivery_status",
        )
    message.delivery_status = status
    message.delivery_error = error
    message.updated_at = utcnow()
    return message


def markdown_table() -> str:
    """The handoff table as Markdown, as it stands in docs/backend.md."""
    lines = ["| action | from | to | who |", "|---|---|---|---|"]
    lines += [
        f"| {t.action} | {t.source} | {t.target} | {t.who} |"
        for t in HANDOFF_TRANSITIONS
    ]
    return "\n".join(lines)
