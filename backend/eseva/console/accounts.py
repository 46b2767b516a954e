"""Officer accounts made outside the API: the first one, and the development one."""

from __future__ import annotations

import argparse
import logging
import re
import sys

from sqlalchemy import select

from eseva import audit
from eseva.auth import hash_password, hash_token, new_token
from eseva.config import get_settings
from eseva.db import Database, run_migrations
from eseva.models import Officer
from eseva.routing import BrandRouter
from eseva.vocab import MINISTRY

logger = logging.getLogger(__name__)

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")  # as POST /api/officers


def ensure_officer(
    db: Database,
    username: str,
    password: str,
    company: str,
    role: str = "officer",
    display_name: str | None = None,
) -> bool:
    """Create the officer unless the username exists; True when created."""
    with db.writing() as session:
        if session.scalar(select(Officer).where(Officer.username == username)):
            return False
        officer = Officer(
            username=username,
            display_name=display_name or username,
            company=company,
            role=role,
            token_hash=hash_token(new_token()),
            password_hash=hash_password(password),
            active=True,
        )
        session.add(officer)
        session.flush()
        audit.record(session, "setup", "officer.create", username, {"company": company})
    logger.info("console: officer account %s created", username)
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m eseva.console.accounts USERNAME COMPANY` (password from stdin)."""
    parser = argparse.ArgumentParser(description="Create a console officer account.")
    parser.add_argument("username")
    parser.add_argument("company", help="company code, or MOPNG for the ministry")
    parser.add_argument("--role", choices=("officer", "admin"), default="officer")
    parser.add_argument("--display-name")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print(
            "error: give a password of at least 10 characters on stdin", file=sys.stderr
        )
        return 2
    if not USERNAME.fullmatch(args.username):
        print("error: usernames are 3-64 of a-z 0-9 . _ -", file=sys.stderr)
        return 2
    settings = get_settings()
    company = args.company.upper()
    brands = BrandRouter.from_file(settings.catalog_dir / "brands.yml")
    if company != MINISTRY and not brands.is_company(company):
        print(f"error: unknown company code {company!r}", file=sys.stderr)
        return 2
    url = settings.resolved_database_url()
    run_migrations(url)
    db = Database(url)
    try:
        created = ensure_officer(
            db, args.username, password, company, args.role,
            args.display_name,
        )  # fmt: skip
    finally:
        db.dispose()
    print("created" if created else "exists already: unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
