"""Bearer tokens: the service token, the first admin's token, officers' own tokens.

Officers' tokens and passwords are stored only as hashes. Every read and change of a
complaint or handoff goes through `Principal.can_see`, so an officer sees and changes
only their own company's work; the ministry (company MOPNG) sees everything.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import select

from eseva.errors import ApiError
from eseva.models import Officer
from eseva.vocab import MINISTRY

logger = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class Principal:
    """Who is calling: the service (bot and channels) or an officer/admin."""

    kind: str  # "service" or "officer"
    role: str  # "service", "officer" or "admin"
    company: str | None  # None for the service
    officer_id: int | None = None
    username: str | None = None
    display_name: str | None = None

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all(self) -> bool:
        return self.is_service or self.company == MINISTRY

    @property
    def actor(self) -> str:
        """The name written into history and the audit log: an id, never a person."""
        if self.is_service:
            return "service"
        if self.officer_id is None:
            return "admin"
        return f"officer:{self.officer_id}"

    def can_see(self, company: str | None) -> bool:
        """Whether this caller may read and change work of `company`.

        Work not yet routed to a company (None) is the ministry's.
        """
        return self.sees_all or (company is not None and company == self.company)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """For the console's sign-in: whether `password` matches the stored hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(digest) // 2,
    )
    return hmac.compare_digest(candidate.hex(), digest)


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"}
    )


def current_principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The caller of this request, from its `Authorization: Bearer` header."""
    if not authorization:
        raise _unauthorized("A bearer token is required.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Use 'Authorization: Bearer <token>'.")

    settings = request.app.state.settings
    if hmac.compare_digest(token.encode(), settings.service_token.encode()):
        return Principal(kind="service", role="service", company=None)
    if hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return Principal(kind="officer", role="admin", company=MINISTRY)

    with request.app.state.db.reading() as session:
        officer = session.scalar(
            select(Officer).where(Officer.token_hash == hash_token(token))
        )
    if officer is None or not officer.active:
        logger.info("auth: unknown or inactive token")
        raise _unauthorized("The token is not valid.")
    return Principal(
        kind="officer",
        role=officer.role,
        company=officer.company,
        officer_id=officer.id,
        username=officer.username,
        display_name=officer.display_name,
    )


def require_officer(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if principal.is_service:
        raise ApiError(403, "forbidden", "This needs an officer's token.")
    return principal


def require_admin(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "forbidden", "This needs an admin's token.")
    return principal


def require_service(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if not principal.is_service:
        raise ApiError(403, "forbidden", "This needs the service token.")
    return principal


AnyCaller = Annotated[Principal, Depends(current_principal)]
OfficerCaller = Annotated[Principal, Depends(require_officer)]
AdminCaller = Annotated[Principal, Depends(require_admin)]
ServiceCaller = Annotated[Principal, Depends(require_service)]
