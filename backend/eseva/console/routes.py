"""The console's pages and the small JSON feeds its script polls.

Every page and call resolves the signed-in officer from the session cookie and goes
through the same scoped service functions as the API (`get_visible`, `list_query`),
so an officer never sees another company's work. Every page view and change is
written to the audit log; the polling feeds (once a second) are not.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from eseva import audit, complaints, handback, handoffs
from eseva.auth import Principal, verify_password
from eseva.console import sessions
from eseva.console.sessions import COOKIE, LOGIN_CSRF_COOKIE, SignedIn
from eseva.errors import ApiError
from eseva.lifecycle import STATUSES, next_statuses
from eseva.logs import log_state_change
from eseva.models import Complaint, Handoff, HandoffMessage, Officer, utcnow
from eseva.rasa import RasaClient, RasaUnavailable
from eseva.texts import MessageText, Note
from eseva.vocab import CATEGORIES

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

FIELD_LABELS = {
    "category": "Category",
    "company": "Company",
    "full_name": "Name",
    "consumer_id": "Consumer ID / LPG ID",
    "location": "Location",
    "service_agency": "Distributor / agency",
    "outlet_details": "Outlet",
    "description": "Description",
}
_NOTE = TypeAdapter(Note)
_MESSAGE = TypeAdapter(MessageText)
PAGE_SIZE = 50


class NotSignedIn(Exception):
    """The request has no live console session."""


# --- plumbing ----------------------------------------------------------------------


def _db(request: Request) -> Any:
    return request.app.state.db


def _idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.console_idle_minutes)


def _who(request: Request, touch: bool = True) -> SignedIn:
    """The signed-in officer; `touch` restarts the idle clock (pages, not polls)."""
    token = request.cookies.get(COOKIE)
    if touch:
        with _db(request).writing() as session:
            signed = sessions.resume(session, token, _idle(request))
    else:
        with _db(request).reading() as session:
            signed = sessions.resume(session, token, _idle(request), touch=False)
    if signed is None:
        raise NotSignedIn()
    return signed


def _to_login() -> RedirectResponse:
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body as single values (the last of repeated names)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _check_csrf(signed: SignedIn, form: dict[str, str]) -> None:
    if not sessions.csrf_ok(signed.csrf_token, form.get("csrf_token")):
        raise ApiError(403, "csrf", "The form expired; reload the page and try again.")


def _secure(request: Request) -> bool:
    return (
        request.app.state.settings.console_secure_cookie
        or request.url.scheme == "https"
    )


def _rasa(request: Request) -> RasaClient:
    return RasaClient.from_settings(request.app.state.settings)


def _render(
    request: Request,
    name: str,
    signed: SignedIn | None,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    base = {
        "officer": signed.principal if signed else None,
        "csrf_token": signed.csrf_token if signed else None,
        "poll_ms": request.app.state.settings.console_poll_ms,
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code
    )


def _audit_view(request: Request, signed: SignedIn, page: str, target: str) -> None:
    with _db(request).writing() as session:
        audit.record(
            session, signed.principal.actor, "console.view", target, {"page": page}
        )


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


# --- sign-in -----------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/console/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = _render(request, "login.html", None, {"login_csrf": token})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not sessions.csrf_ok(expected, form.get("csrf_token")):
        return _login_error(request, "The sign-in form expired; please try again.")
    username = form.get("username", "").strip().lower()
    password = form.get("password", "")
    with _db(request).writing() as session:
        officer = session.scalar(select(Officer).where(Officer.username == username))
        valid = (
            officer is not None
            and officer.active
            and verify_password(password, officer.password_hash)
        )
        if not valid:
            audit.record(session, "anonymous", "console.signin_failed", username[:64])
        else:
            token = sessions.start(session, officer)
            audit.record(session, f"officer:{officer.id}", "console.signin", "console")
    if not valid:
        logger.info("console: a sign-in failed")
        return _login_error(request, "Wrong username or password.")
    response = RedirectResponse("/console/queue", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


def _login_error(request: Request, message: str) -> HTMLResponse:
    response = login_page(request)
    body = _render(
        request,
        "login.html",
        None,
        {"login_csrf": _cookie_value(response), "error": message},
        status_code=401,
    )
    for key, value in response.headers.items():
        if key == "set-cookie":
            body.headers.append(key, value)
    return body


def _cookie_value(response: Response) -> str:
    for key, value in response.headers.items():
        if key == "set-cookie" and value.startswith(LOGIN_CSRF_COOKIE + "="):
            return value.split("=", 1)[1].split(";", 1)[0]
    return ""


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    signed = _who(request)
    _check_csrf(signed, form)
    with _db(request).writing() as session:
        sessions.end(session, request.cookies.get(COOKIE))
        audit.record(session, signed.principal.actor, "console.signout", "console")
    return _to_login()


# --- the queue ---------------------------------------------------------------------


def _queue_rows(session: Session, principal: Principal) -> list[dict[str, Any]]:
    statement = select(Handoff).where(Handoff.status.in_(handoffs.ACTIVE_STATUSES))
    if not principal.sees_all:
        statement = statement.where(Handoff.company == principal.company)
    statement = statement.order_by(
        (Handoff.status == "waiting").desc(),
        (Handoff.priority == "urgent").desc(),
        Handoff.created_at,
        Handoff.id,
    )
    now = utcnow()
    rows = []
    for handoff in session.scalars(statement).all():
        waited = (now - handoff.created_at).total_seconds()
        rows.append(
            {
                "id": handoff.id,
                "status": handoff.status,
                "priority": handoff.priority,
                "reason": handoff.reason,
                "channel": handoff.channel,
                "language": handoff.language,
                "company": handoff.company or "MOPNG",
                "category": (handoff.collected or {}).get("category") or "",
                "officer": handoff.officer.display_name if handoff.officer else "",
                "created_at": handoff.created_at.isoformat(),
                "waited_seconds": int(waited),
                "wait": _minutes(waited),
            }
        )
    return rows


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request) -> Response:
    try:
        signed = _who(request)
    except NotSignedIn:
        return _to_login()
    with _db(request).reading() as session:
        rows = _queue_rows(session, signed.principal)
    _audit_view(request, signed, "queue", "queue")
    return _render(request, "queue.html", signed, {"rows": rows})


@router.get("/api/queue")
def queue_feed(request: Request) -> JSONResponse:
    try:
        signed = _who(request, touch=False)
    except NotSignedIn:
        return JSONResponse({"error": {"code": "signed_out"}}, status_code=401)
    with _db(request).reading() as session:
        return JSONResponse({"items": _queue_rows(session, signed.principal)})


# --- one conversation --------------------------------------------------------------


def _messages(session: Session, handoff: Handoff) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(HandoffMessage)
        .where(HandoffMessage.handoff_id == handoff.id)
        .order_by(HandoffMessage.id)
    ).all()
    names = {
        o.id: o.display_name
        for o in session.scalars(
            select(Officer).where(Officer.id.in_({m.officer_id for m in rows}))
        ).all()
    }
    return [
        {
            "id": m.id,
            "direction": m.direction,
            "text": m.text,
            "officer": names.get(m.officer_id, "") if m.officer_id else "",
            "delivery_status": m.delivery_status,
            "delivery_error": m.delivery_error or "",
            "created_at": m.created_at.isoformat(),
        }
        for m in rows
    ]


def _handoff_state(handoff: Handoff, principal: Principal) -> dict[str, Any]:
    return {
        "status": handoff.status,
        "officer": handoff.officer.display_name if handoff.officer else "",
        "mine": handoff.status == "assigned"
        and handoff.officer_id == principal.officer_id,
    }


def _handoff_page(
    request: Request,
    signed: SignedIn,
    handoff_id: int,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    with _db(request).reading() as session:
        try:
            handoff = handoffs.get_visible(session, handoff_id, signed.principal)
        except ApiError:
            return _not_found(request, signed)
        messages = _messages(session, handoff)
        state = _handoff_state(handoff, signed.principal)
        collected = [
            (FIELD_LABELS.get(k, k), v)
            for k, v in (handoff.collected or {}).items()
            if v not in (None, "")
        ]
        info = {
            "id": handoff.id,
            "channel": handoff.channel,
            "sender_id": handoff.sender_id,
            "reason": handoff.reason,
            "priority": handoff.priority,
            "language": handoff.language,
            "company": handoff.company or "MOPNG",
            "reference": handoff.complaint_reference,
            "created_at": handoff.created_at,
            "waited": _minutes((utcnow() - handoff.created_at).total_seconds()),
        }
    transcript, transcript_error = [], None
    try:
        transcript = _rasa(request).transcript(info["sender_id"])
    except RasaUnavailable as failure:
        logger.warning("console: transcript of handoff %s: %s", handoff_id, failure)
        transcript_error = "The bot's part of the conversation cannot be read now."
    _audit_view(request, signed, "handoff", str(handoff_id))
    return _render(
        request,
        "handoff.html",
        signed,
        {
            "h": info,
            "state": state,
            "messages": messages,
            "collected": collected,
            "transcript": transcript,
            "transcript_error": transcript_error,
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


def _not_found(request: Request, signed: SignedIn) -> HTMLResponse:
    return _render(request, "not_found.html", signed, {}, status_code=404)


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_page(request: Request, handoff_id: int) -> Response:
    try:
        signed = _who(request)
    except NotSignedIn:
        return _to_login()
    return _handoff_page(request, signed, handoff_id)


@router.get("/api/handoffs/{handoff_id}")
def handoff_feed(request: Request, handoff_id: int) -> JSONResponse:
    try:
        signed = _who(request, touch=False)
    except NotSignedIn:
        return JSONResponse({"error": {"code": "signed_out"}}, status_code=401)
    with _db(request).reading() as session:
        try:
            handoff = handoffs.get_visible(session, handoff_id, signed.principal)
        except ApiError as error:
            return JSONResponse({"error": {"code": error.code}}, status_code=404)
        return JSONResponse(
            {
                **_handoff_state(handoff, signed.principal),
                "messages": _messages(session, handoff),
            }
        )


async def _handoff_action(
    request: Request, handoff_id: int
) -> tuple[SignedIn, dict[str, str]]:
    form = await _form(request)
    signed = _who(request)
    _check_csrf(signed, form)
    return signed, form


def _after(handoff_id: int) -> RedirectResponse:
    return RedirectResponse(f"/console/handoffs/{handoff_id}", status_code=303)


@router.post("/handoffs/{handoff_id}/claim")
async def claim(request: Request, handoff_id: int) -> Response:
    try:
        signed, _form_data = await _handoff_action(request, handoff_id)
    except NotSignedIn:
        return _to_login()
    try:
        with _db(request).writing() as session:
            handoffs.act(session, handoff_id, "claim", signed.principal)
    except ApiError as error:
        if error.status == 404:
            return _not_found(request, signed)
        return _handoff_page(request, signed, handoff_id, error.message, None, 409)
    log_state_change(
        "handoff", str(handoff_id), "waiting", "assigned", signed.principal.actor
    )
    return _after(handoff_id)


@router.post("/handoffs/{handoff_id}/reply")
async def reply(request: Request, handoff_id: int) -> Response:
    try:
        signed, form = await _handoff_action(request, handoff_id)
    except NotSignedIn:
        return _to_login()
    try:
        text = _MESSAGE.validate_python(form.get("text", ""))
    except ValidationError:
        message = "Write a reply first (up to 10,000 characters)."
        return _handoff_page(request, signed, handoff_id, message, None, 422)
    try:
        with _db(request).writing() as session:
            handoff = handoffs.get_visible(session, handoff_id, signed.principal)
            message, _created = handoffs.post_message(
                session, handoff, signed.principal, "officer", text, None
            )
            audit.record(
                session,
                signed.principal.actor,
                "handoff.reply",
                str(handoff_id),
                {"message": message.id},
            )
    except ApiError as error:
        if error.status == 404:
            return _not_found(request, signed)
        return _handoff_page(request, signed, handoff_id, error.message, None, 409)
    logger.info("console: officer reply queued handoff=%s", handoff_id)
    return _after(handoff_id)


@router.post("/handoffs/{handoff_id}/return")
async def return_to_bot(request: Request, handoff_id: int) -> Response:
    try:
        signed, _form_data = await _handoff_action(request, handoff_id)
    except NotSignedIn:
        return _to_login()
    try:
        greeted = handback.return_to_bot(
            _db(request), _rasa(request), handoff_id, signed.principal
        )
    except ApiError as error:
        if error.status == 404:
            return _not_found(request, signed)
        status = 503 if error.status == 503 else 409
        return _handoff_page(request, signed, handoff_id, error.message, None, status)
    if not greeted:
        return _handoff_page(
            request, signed, handoff_id,
            "Returned to the bot, but the bot could not greet the citizen; it will "
            "answer their next message.",
            None, 502,
        )  # fmt: skip
    return _after(handoff_id)


@router.post("/handoffs/{handoff_id}/close")
async def close(request: Request, handoff_id: int) -> Response:
    try:
        signed, form = await _handoff_action(request, handoff_id)
    except NotSignedIn:
        return _to_login()
    resolve = form.get("resolve") == "on"
    note = None
    if resolve:
        try:
            note = _NOTE.validate_python(form.get("note", ""))
        except ValidationError:
            return _handoff_page(
                request, signed, handoff_id, "Resolving needs a note.", None, 422
            )
    changes: list[complaints.StateChange] = []
    try:
        with _db(request).writing() as session:
            handoff = handoffs.act(session, handoff_id, "close", signed.principal)
            handoffs.add_message(session, handoff, "system", "closed by the officer")
            if resolve:
                if not handoff.complaint_reference:
                    raise ApiError(
                        409, "no_complaint", "No complaint is linked to resolve."
                    )
                changes = _resolve(
                    session, request, handoff.complaint_reference, note, signed
                )
    except ApiError as error:
        if error.status == 404:
            return _not_found(request, signed)
        return _handoff_page(request, signed, handoff_id, error.message, None, 409)
    log_state_change(
        "handoff", str(handoff_id), "assigned", "closed", signed.principal.actor
    )
    for item in changes:
        log_state_change(
            "reference", item.reference, item.source, item.target, item.actor
        )
    return _after(handoff_id)


def _resolve(
    session: Session,
    request: Request,
    reference: str,
    note: str | None,
    signed: SignedIn,
) -> list[complaints.StateChange]:
    """Move the complaint to resolved (starting work first when still untouched)."""
    complaint = complaints.get_visible(session, reference, signed.principal, lock=True)
    brands = request.app.state.router
    changes = []
    if complaint.status in ("submitted", "transferred"):
        changes += complaints.change(
            session, complaint, {"status": "in_progress"}, signed.principal, brands
        )
    changes += complaints.change(
        session,
        complaint,
        {"status": "resolved", "note": note},
        signed.principal,
        brands,
    )
    return changes


# --- complaints --------------------------------------------------------------------


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(request: Request) -> Response:
    try:
        signed = _who(request)
    except NotSignedIn:
        return _to_login()
    query = request.query_params
    filters: dict[str, Any] = {
        "status": query.get("status") or None,
        "category": query.get("category") or None,
        "company": (query.get("company") or "").strip().upper() or None,
        "overdue": {"yes": True, "no": False}.get(query.get("overdue", "")),
    }
    if filters["status"] not in (None, *STATUSES):
        filters["status"] = None
    if filters["category"] not in (None, *CATEGORIES):
        filters["category"] = None
    try:
        offset = max(0, min(int(query.get("offset", "0")), 1_000_000))
    except ValueError:
        offset = 0
    levels = request.app.state.levels
    now = utcnow()
    statement = complaints.list_query(signed.principal, filters, levels, now)
    with _db(request).reading() as session:
        total = complaints.count(session, statement)
        rows = session.scalars(
            statement.order_by(Complaint.created_at.desc(), Complaint.id.desc())
            .limit(PAGE_SIZE)
            .offset(offset)
        ).all()
        items = [
            {
                "reference": c.reference,
                "status": c.status,
                "category": c.category,
                "company": c.company or "MOPNG",
                "priority": c.priority,
                "channel": c.channel,
                "created_at": c.created_at,
                "overdue": levels.is_overdue(c.status, c.created_at, c.priority, now),
            }
            for c in rows
        ]
    _audit_view(request, signed, "complaints", "complaints")
    return _render(
        request,
        "complaints.html",
        signed,
        {
            "items": items,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "filters": {k: query.get(k, "") for k in filters},
            "statuses": STATUSES,
            "categories": CATEGORIES,
        },
    )


def _complaint_page(
    request: Request,
    signed: SignedIn,
    reference: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    levels = request.app.state.levels
    with _db(request).reading() as session:
        try:
            complaint = complaints.get_visible(session, reference, signed.principal)
        except ApiError:
            return _not_found(request, signed)
        now = utcnow()
        view = {
            "reference": complaint.reference,
            "status": complaint.status,
            "fields": [
                (FIELD_LABELS["category"], complaint.category),
                (FIELD_LABELS["company"], complaint.company or "MOPNG"),
                (FIELD_LABELS["full_name"], complaint.full_name),
                (FIELD_LABELS["consumer_id"], complaint.consumer_id or ""),
                (FIELD_LABELS["location"], complaint.location),
                (FIELD_LABELS["service_agency"], complaint.service_agency or ""),
                (FIELD_LABELS["outlet_details"], complaint.outlet_details or ""),
                (FIELD_LABELS["description"], complaint.description or ""),
                ("Priority", complaint.priority),
                ("Channel", complaint.channel),
                ("Language", complaint.language),
                ("Filed", complaint.created_at.strftime("%Y-%m-%d %H:%M UTC")),
                (
                    "Expected by",
                    levels.expected_by(
                        complaint.created_at, complaint.priority
                    ).strftime("%Y-%m-%d %H:%M UTC"),
                ),
            ],
            "overdue": levels.is_overdue(
                complaint.status, complaint.created_at, complaint.priority, now
            ),
            "history": [
                {
                    "at": e.at.strftime("%Y-%m-%d %H:%M UTC"),
                    "actor": e.actor,
                    "from": e.from_status or "",
                    "to": e.to_status,
                    "note": e.note or "",
                }
                for e in complaint.history
            ],
            "notifications": [
                {
                    "status": n.status,
                    "delivery": n.delivery_status,
                    "error": n.delivery_error or "",
                }
                for n in complaint.notifications
            ],
            "next": next_statuses(complaint.status, "officer"),
        }
    _audit_view(request, signed, "complaint", view["reference"])
    return _render(
        request,
        "complaint.html",
        signed,
        {"c": view, "error": error},
        status_code=status_code,
    )


@router.get("/complaints/{reference}", response_class=HTMLResponse)
def complaint_page(request: Request, reference: str) -> Response:
    try:
        signed = _who(request)
    except NotSignedIn:
        return _to_login()
    return _complaint_page(request, signed, reference[:32])


@router.post("/complaints/{reference}/status")
async def change_status(request: Request, reference: str) -> Response:
    form = await _form(request)
    try:
        signed = _who(request)
    except NotSignedIn:
        return _to_login()
    _check_csrf(signed, form)
    reference = reference[:32]
    patch: dict[str, Any] = {"status": form.get("status", "")}
    try:
        for name in ("note", "reason"):
            if form.get(name, "").strip():
                patch[name] = _NOTE.validate_python(form[name])
        for name in ("company", "duplicate_of"):
            if form.get(name, "").strip():
                patch[name] = form[name].strip().upper()[:32]
    except ValidationError:
        return _complaint_page(
            request, signed, reference, "The note is not valid.", 422
        )
    if patch["status"] not in STATUSES:
        return _complaint_page(request, signed, reference, "Choose a status.", 422)
    try:
        with _db(request).writing() as session:
            complaint = complaints.get_visible(
                session, reference, signed.principal, lock=True
            )
            changes = complaints.change(
                session, complaint, patch, signed.principal, request.app.state.router
            )
            reference = complaint.reference
    except ApiError as error:
        if error.status == 404:
            return _not_found(request, signed)
        return _complaint_page(request, signed, reference, error.message, error.status)
    for item in changes:
        log_state_change(
            "reference", item.reference, item.source, item.target, item.actor
        )
    return RedirectResponse(f"/console/complaints/{reference}", status_code=303)
