"""X Account Activity checks: the CRC answer and the signature over each POST body, both base64 HMAC-SHA256 with
the app's consumer secret."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
_PREFIX = "sha256="


def _digest(consumer_secret: str, message: bytes) -> str:
    return _PREFIX + base64.b64encode(hmac.new(consumer_secret.encode(), message, hashlib.sha256).digest()).decode()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The body X expects (within 3 s) for `GET ?crc_token=`."""
    return {"response_token": _digest(consumer_secret, crc_token.encode())}


def signature(consumer_secret: str, body: bytes) -> str:
    return _digest(consumer_secret, body)


def is_authentic(consumer_secret: str, *, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(signature(consumer_secret, body).encode(), header.strip().encode())
