"""Webhook signatures of X and Meta, checked over the raw request bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Mapping

X_OAUTH2_HEADER = "X-Twitter-Webhooks-Signature-OAuth2"
X_LEGACY_HEADER = "X-Twitter-Webhooks-Signature"
META_SHA256_HEADER = "X-Hub-Signature-256"


def x_signature(secret: str, data: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>`, the form X uses for CRC tokens and bodies."""
    digest = hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def x_crc_response(secret: str, crc_token: str) -> dict[str, str]:
    """The JSON body answering X's challenge-response check."""
    return {"response_token": x_signature(secret, crc_token.encode("utf-8"))}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def verify_x_signature(
    body: bytes,
    headers: Mapping[str, str],
    consumer_secret: str,
    oauth2_client_secret: str = "",
) -> bool:
    """Check the OAuth2 header when present (and its secret is set), else the legacy
    one. An empty secret never verifies anything."""
    oauth2 = _header(headers, X_OAUTH2_HEADER)
    if oauth2 and oauth2_client_secret:
        return _same(oauth2, x_signature(oauth2_client_secret, body))

    legacy = _header(headers, X_LEGACY_HEADER)
    if legacy and consumer_secret:
        return _same(legacy, x_signature(consumer_secret, body))
    return False


def meta_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256>`, the form of Meta's X-Hub-Signature-256."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def meta_legacy_signature(secret: str, body: bytes) -> str:
    """`sha1=<hex HMAC-SHA1>`: the legacy header, sent by the simulator only."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()
    return "sha1=" + digest


def verify_meta_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """Only the SHA-256 header counts; the legacy SHA-1 one is never enough."""
    if not header or not app_secret:
        return False
    return _same(header.strip().lower(), meta_signature(app_secret, body))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))
