"""The handoff timeout watcher: a waiting handoff nobody claimed in time is timed out.

The complaint is registered with what the bot had collected (once: the idempotency
key is the handoff's), the handoff moves `waiting -> timed_out` and the bot, resumed
through Rasa's HTTP API, tells the citizen the reference in their language through
their channel. On the REST channel the bot's words are recorded in the tracker.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eseva import complaints, handoffs
from eseva.auth import Principal
from eseva.db import Database
from eseva.errors import ApiError
from eseva.identifiers import IdentifierError, normalise_consumer_id
from eseva.logs import log_state_change
from eseva.models import Handoff, utcnow
from eseva.rasa import TIMED_OUT_INTENT, RasaClient, RasaUnavailable
from eseva.routing import BrandRouter
from eseva.sla import ServiceLevels

logger = logging.getLogger(__name__)

SERVICE = Principal(kind="service", role="service", company=None)
# Required complaint fields the bot may not have collected before the handoff.
NOT_GIVEN = "(not given before the handoff)"


def timeout_due(
    handoff: Handoff, levels: ServiceLevels, wait: float | None
) -> datetime:
    """When a waiting handoff times out: the configured wait, else its pickup time."""
    if wait is not None:
        return handoff.created_at + timedelta(seconds=wait)
    return levels.pickup_due(handoff.created_at, handoff.priority)


def complaint_fields(handoff: Handoff) -> dict[str, Any]:
    """A complaint body from what was collected; gaps are marked, never guessed."""
    collected = handoff.collected or {}
    description = collected.get("description") or ""
    consumer_id = collected.get("consumer_id")
    if consumer_id:
        try:
            consumer_id = normalise_consumer_id(str(consumer_id))
        except IdentifierError:
            description = f"{description}\n[consumer number as typed: {consumer_id}]"
            consumer_id = None
    return {
        "category": collected.get("category") or "other",
        "company": collected.get("company"),
        "full_name": collected.get("full_name") or NOT_GIVEN,
        "consumer_id": consumer_id,
        "location": collected.get("location") or NOT_GIVEN,
        "service_agency": collected.get("service_agency"),
        "outlet_details": collected.get("outlet_details"),
        "description": description.strip()[:5000],
        "language": handoff.language,
        "channel": handoff.channel,
        "sender_id": handoff.sender_id,
        "priority": handoff.priority,
    }


def time_out(
    db: Database,
    handoff_id: int,
    router: BrandRouter,
    principal: Principal = SERVICE,
    quiet: bool = True,
) -> tuple[str, str, str] | None:
    """Time the handoff out and register its complaint, in one transaction.

    Returns (sender_id, reference, language). When an officer claimed it (or it
    ended) meanwhile: None if `quiet` (the watcher), else the API's 409.
    """
    try:
        with db.writing() as session:
            handoff = handoffs.act(session, handoff_id, "timeout", principal)
            reference = handoff.complaint_reference
            if reference is None:
                reference = _register(session, handoff, router, principal)
                handoff.complaint_reference = reference
            handoffs.add_message(
                session,
                handoff,
                "system",
                f"no officer claimed it in time; complaint {reference} registered",
            )
            result = (handoff.sender_id, reference, handoff.language)
    except ApiError as error:
        if quiet and error.status == 409:
            return None
        raise
    log_state_change(
        "handoff", str(handoff_id), "waiting", "timed_out", principal.actor
    )
    return result


def _register(
    session: Session, handoff: Handoff, router: BrandRouter, principal: Principal
) -> str:
    """File the complaint of a timed-out handoff (once: the key is the handoff's)."""
    fields = complaint_fields(handoff)
    if fields["company"] and not router.is_company(fields["company"]):
        fields["company"] = None
    key = f"handoff-{handoff.id}-timeout"
    outcome = complaints.create(
        session, fields, key, complaints.request_hash(fields), router, SERVICE
    )
    for change in outcome.changes:
        log_state_change(
            "reference", change.reference, change.source, change.target, principal.actor
        )
    return outcome.complaint.reference


def tell(rasa: RasaClient, handoff_id: int, sender_id: str, reference: str) -> bool:
    """Have the bot tell the citizen the reference; False (logged) when it cannot."""
    try:
        rasa.hand_back(sender_id, TIMED_OUT_INTENT, {"reference": reference})
    except RasaUnavailable as error:
        # The complaint is registered and the reference is in the handoff's log;
        # the citizen learns it from the status question or an officer.
        logger.error(
            "watcher: handoff %s timed out (%s) but the bot could not tell the "
            "citizen: %s",
            handoff_id,
            reference,
            error,
        )
        return False
    return True


def overdue_ids(
    db: Database, levels: ServiceLevels, wait: float | None, now: datetime
) -> list[int]:
    with db.reading() as session:
        waiting = session.scalars(
            select(Handoff).where(Handoff.status == "waiting").order_by(Handoff.id)
        ).all()
        return [h.id for h in waiting if timeout_due(h, levels, wait) <= now]


def sweep(
    db: Database,
    levels: ServiceLevels,
    router: BrandRouter,
    rasa: RasaClient,
    wait: float | None,
) -> list[str]:
    """One pass: time out every overdue waiting handoff; the references registered."""
    references = []
    for handoff_id in overdue_ids(db, levels, wait, utcnow()):
        try:
            done = time_out(db, handoff_id, router)
        except Exception:
            logger.exception("watcher: timing out handoff %s failed", handoff_id)
            continue
        if done is None:
            continue
        sender_id, reference, _language = done
        references.append(reference)
        tell(rasa, handoff_id, sender_id, reference)
    return references


async def watch(
    db: Database,
    levels: ServiceLevels,
    router: BrandRouter,
    rasa: RasaClient,
    interval: float,
    wait: float | None,
) -> None:
    """Run `sweep` every `interval` seconds until cancelled."""
    logger.info("watcher: looking for overdue handoffs every %.0f s", interval)
    while True:
        try:
            await asyncio.to_thread(sweep, db, levels, router, rasa, wait)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("watcher: a sweep failed")
        await asyncio.sleep(interval)
