"""Webhook signatures: the published vectors, and Hindi and emoji text signed over
the raw bytes."""

from __future__ import annotations

import json

from bot.channels.signatures import (
    meta_legacy_signature,
    meta_signature,
    verify_meta_signature,
    verify_x_signature,
    x_crc_response,
    x_signature,
)
from simulator.signing import meta_body, meta_headers, x_body, x_headers

X_SECRET = "test-consumer-secret"
APP_SECRET = "test-app-secret"


def test_x_crc_vector() -> None:
    response = x_crc_response(X_SECRET, "9b4507b3-9040-4669-9ca3-6b94edb50553")
    assert response == {
        "response_token": "sha256=xKhLyNWGS9gEEsnl9aYv+nadpDfnrogRT+zIQvsC1p0="
    }


def test_x_post_vector_and_one_byte_change() -> None:
    body = b'{"for_user_id":"1000","direct_message_events":[]}'
    header = "sha256=6JGqq8Nt8W17hOkEYKxXRd0niqJuBIQj5LCIrc2qgZc="
    assert x_signature(X_SECRET, body) == header
    assert verify_x_signature(body, {"X-Twitter-Webhooks-Signature": header}, X_SECRET)
    changed = body.replace(b"1000", b"1001")
    assert not verify_x_signature(
        changed, {"X-Twitter-Webhooks-Signature": header}, X_SECRET
    )


def test_x_oauth2_header_uses_the_client_secret() -> None:
    body = b'{"for_user_id":"1000","direct_message_events":[]}'
    oauth2 = x_signature("client-secret-2", body)
    headers = {"X-Twitter-Webhooks-Signature-OAuth2": oauth2}
    assert verify_x_signature(body, headers, X_SECRET, "client-secret-2")
    # Signed with the consumer secret instead: refused.
    wrong = {"X-Twitter-Webhooks-Signature-OAuth2": x_signature(X_SECRET, body)}
    assert not verify_x_signature(body, wrong, X_SECRET, "client-secret-2")
    # With both headers the OAuth2 one decides; a forged one is not rescued.
    both = {
        "X-Twitter-Webhooks-Signature-OAuth2": "sha256=AAAA",
        "X-Twitter-Webhooks-Signature": x_signature(X_SECRET, body),
    }
    assert not verify_x_signature(body, both, X_SECRET, "client-secret-2")


def test_x_falls_back_to_legacy_header_without_oauth2_secret() -> None:
    body = b"{}"
    headers = {
        "X-Twitter-Webhooks-Signature-OAuth2": x_signature("unknown", body),
        "X-Twitter-Webhooks-Signature": x_signature(X_SECRET, body),
    }
    assert verify_x_signature(body, headers, X_SECRET, "")


def test_missing_headers_and_empty_secrets_never_verify() -> None:
    body = b"{}"
    assert not verify_x_signature(body, {}, X_SECRET)
    assert not verify_x_signature(
        body, {"X-Twitter-Webhooks-Signature": x_signature("", body)}, ""
    )
    assert not verify_meta_signature(body, None, APP_SECRET)
    assert not verify_meta_signature(body, meta_signature("", body), "")


def test_meta_vector_with_escaped_devanagari() -> None:
    payload = {
        "object": "page",
        "entry": [
            {"id": "PAGE", "time": 1, "messaging": [{"message": {"text": "गैस"}}]}
        ],
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    assert b"\\u0917\\u0948\\u0938" in body
    expected = "sha256=75267337697fdec77a9b4c4611cd012c11a65d8700f8c4e0b7f26c7a0e6c2d5c"
    assert meta_signature(APP_SECRET, body) == expected
    assert (
        meta_legacy_signature(APP_SECRET, body)
        == "sha1=9381ffbb2a0193d6c822e244b4d945a5d4373f65"
    )
    assert verify_meta_signature(body, expected, APP_SECRET)
    assert verify_meta_signature(
        body, expected.upper().replace("SHA256", "sha256"), APP_SECRET
    )


def test_meta_signature_is_over_raw_bytes_not_a_reserialisation() -> None:
    payload = {
        "object": "page",
        "entry": [{"messaging": [{"message": {"text": "सिलेंडर नहीं आया 😡👍"}}]}],
    }
    raw = meta_body(payload)
    header = meta_headers(raw, APP_SECRET)["X-Hub-Signature-256"]
    assert verify_meta_signature(raw, header, APP_SECRET)
    # The same JSON written another way (UTF-8 instead of escapes) is other bytes.
    other = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert not verify_meta_signature(other, header, APP_SECRET)


def test_meta_legacy_sha1_alone_is_not_enough() -> None:
    body = b'{"object":"page","entry":[]}'
    assert not verify_meta_signature(
        body, meta_legacy_signature(APP_SECRET, body), APP_SECRET
    )


def test_x_hindi_and_emoji_payload_signed_over_utf8() -> None:
    payload = {
        "for_user_id": "9999",
        "direct_message_events": [{"id": "1", "text": "मेरा सिलेंडर 🚫🔥 nahi aaya"}],
    }
    raw = x_body(payload)
    assert "सिलेंडर".encode() in raw
    headers = x_headers(raw, X_SECRET)
    assert verify_x_signature(raw, headers, X_SECRET)
    assert not verify_x_signature(raw + b" ", headers, X_SECRET)
