"""`/api/officers`: accounts for the officer console, created by an admin."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eseva import audit
from eseva.api.deps import DatabaseDep, RouterDep
from eseva.auth import AdminCaller, Principal, hash_password, hash_token, new_token
from eseva.errors import ApiError
from eseva.models import Officer
from eseva.texts import DisplayName
from eseva.vocab import MINISTRY, Role

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/officers", tags=["officers"])


class OfficerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
    display_name: DisplayName
    company: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
    role: Role = "officer"
    password: Annotated[str, Field(min_length=10, max_length=128)] | None = None


class OfficerOut(BaseModel):
    id: int
    username: str
    display_name: str
    company: str
    role: str
    active: bool
    created_at: datetime


class NewOfficerOut(OfficerOut):
    token: str = Field(description="Shown once; only its hash is stored.")


def officer_out(officer: Officer) -> OfficerOut:
    return OfficerOut.model_validate(officer, from_attributes=True)


@router.post("", status_code=201, response_model=NewOfficerOut)
def create_officer(
    body: OfficerIn, principal: AdminCaller, db: DatabaseDep, brands: RouterDep
) -> NewOfficerOut:
    """Create an officer account; the answer carries its bearer token, once."""
    if body.company != MINISTRY and not brands.is_company(body.company):
        raise ApiError(422, "invalid", "Unknown company code.", "company")
    if not principal.sees_all and body.company != principal.company:
        raise ApiError(403, "forbidden", "Admins create officers of their own company.")

    token = new_token()
    try:
        with db.writing() as session:
            officer = Officer(
                username=body.username,
                display_name=body.display_name,
                company=body.company,
                role=body.role,
                token_hash=hash_token(token),
                password_hash=hash_password(body.password) if body.password else None,
                active=True,
            )
            session.add(officer)
            session.flush()
            audit.record(
                session,
                principal.actor,
                "officer.create",
                f"officer:{officer.id}",
                {"company": officer.company, "role": officer.role},
            )
            result = NewOfficerOut(**officer_out(officer).model_dump(), token=token)
    except IntegrityError:
        raise ApiError(409, "conflict", "This username is taken.", "username") from None
    logger.info("officer created officer=%s company=%s", result.id, result.company)
    return result


class OfficerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    role: Role | None = None
    active: bool | None = None


def _managed_officer(session: Session, username: str, principal: Principal) -> Officer:
    officer = session.scalar(
        select(Officer).where(Officer.username == username).with_for_update()
    )
    if officer is None or not principal.can_see(officer.company):
        raise ApiError(404, "not_found", "No officer with this username.", "username")
    return officer


@router.patch("/{username}", response_model=OfficerOut)
def change_officer(
    username: Annotated[str, Path(max_length=64)],
    body: OfficerPatch,
    principal: AdminCaller,
    db: DatabaseDep,
) -> OfficerOut:
    """Rename, change the role of, or (de)activate an officer. A deactivated
    officer's token stops working at once."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ApiError(422, "invalid", "Nothing to change.", "body")
    with db.writing() as session:
        officer = _managed_officer(session, username, principal)
        for name, value in changes.items():
            setattr(officer, name, value)
        audit.record(
            session,
            principal.actor,
            "officer.change",
            f"officer:{officer.id}",
            {"fields": sorted(changes)},
        )
        return officer_out(officer)


@router.post("/{username}/token", response_model=NewOfficerOut)
def rotate_token(
    username: Annotated[str, Path(max_length=64)],
    principal: AdminCaller,
    db: DatabaseDep,
) -> NewOfficerOut:
    """A new bearer token for the officer; the old one stops working."""
    token = new_token()
    with db.writing() as session:
        officer = _managed_officer(session, username, principal)
        officer.token_hash = hash_token(token)
        audit.record(session, principal.actor, "officer.token", f"officer:{officer.id}")
        return NewOfficerOut(**officer_out(officer).model_dump(), token=token)


@router.get("", response_model=list[OfficerOut])
def list_officers(principal: AdminCaller, db: DatabaseDep) -> list[OfficerOut]:
    statement = select(Officer).order_by(Officer.id)
    if not principal.sees_all:
        statement = statement.where(Officer.company == principal.company)
    with db.reading() as session:
        return [officer_out(o) for o in session.scalars(statement).all()]
