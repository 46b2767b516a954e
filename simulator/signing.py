"""Signing deliveries the way X and Meta do (written apart from the connectors'
checks, so the tests do not verify the connectors against themselves)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def x_body(payload: Any) -> bytes:
    """X sends compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def meta_body(payload: Any) -> bytes:
    """Meta sends compact JSON with non-ASCII escaped as \\uXXXX (lower-case hex)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def x_headers(
    body: bytes, consumer_secret: str, oauth2_secret: str = ""
) -> dict[str, str]:
    def sign(secret: str) -> str:
        mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return "sha256=" + base64.b64encode(mac).decode()

    headers = {"Content-Type": "application/json"}
    if consumer_secret:
        headers["X-Twitter-Webhooks-Signature"] = sign(consumer_secret)
    if oauth2_secret:
        headers["X-Twitter-Webhooks-Signature-OAuth2"] = sign(oauth2_secret)
    return headers


def meta_headers(body: bytes, app_secret: str) -> dict[str, str]:
    key = app_secret.encode()
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": "sha256="
        + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
    }
