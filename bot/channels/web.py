"""Small helpers shared by the connectors' Sanic blueprints."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


def error(
    status: int, code: str, message: str, field: str | None = None
) -> HTTPResponse:
    """The project's error shape: {"error": {"code", "message", "field"?}}."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return response.json({"error": body}, status=status)


def service_token_ok(request: Request, token: str) -> bool:
    """The backend's service token as a Bearer header, compared in constant time."""
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def parse_send_request(
    request: Request,
) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    """Validate the body of an officer/system send: recipient_id, text, human."""
    try:
        body = request.json
    except Exception:
        return None, error(400, "bad_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        return None, error(400, "bad_json", "The body must be a JSON object.")
    recipient = body.get("recipient_id")
    if not isinstance(recipient, str) or not recipient.strip() or len(recipient) > 128:
        return None, error(422, "invalid", "recipient_id is required.", "recipient_id")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, error(422, "invalid", "text is required.", "text")
    human = body.get("human", True)
    if not isinstance(human, bool):
        return None, error(422, "invalid", "human must be true or false.", "human")
    return {"recipient_id": recipient.strip(), "text": text, "human": human}, None
