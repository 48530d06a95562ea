"""Meta's webhook checks: the GET verification handshake and X-Hub-Signature-256 over the raw body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def signature(app_secret: str, body: bytes) -> str:
    """The header value Meta sends: `sha256=` and the hex HMAC-SHA256 of the raw body with the app secret."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_authentic(app_secret: str, *, body: bytes, header: str | None) -> bool:
    """Hash the bytes as received: re-serialized JSON would not match (Meta escapes non-ASCII as \\uXXXX)."""
    if not header or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(signature(app_secret, body), header.strip().lower())


def challenge_answer(*, mode: str | None, token: str | None, challenge: str | None, verify_token: str) -> str | None:
    """The challenge to echo when Meta asks to subscribe with our verify token, else None (answer 403)."""
    if mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge
