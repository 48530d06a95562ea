"""Meta's webhook checks: the GET verification handshake and X-Hub-Signature-256 over the raw body."""

from __future__ import annotations

import hashlib
import hmac
import re

from shared.ingest.signatures import same_text

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
# Meta's challenge is an integer; echoing only short word characters keeps the handshake from reflecting markup or
# anything longer than a challenge (it is answered only with our verify token, and computes nothing with a secret).
_CHALLENGE = re.compile(r"[A-Za-z0-9_\-]{1,256}")


def signature(app_secret: str, body: bytes) -> str:
    """The header value Meta sends: `sha256=` and the hex HMAC-SHA256 of the raw body with the app secret."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_authentic(app_secret: str, *, body: bytes, header: str | None) -> bool:
    """Hash the bytes as received: re-serialized JSON would not match (Meta escapes non-ASCII as \\uXXXX)."""
    if not header or not header.startswith(_PREFIX):
        return False
    return same_text(header.strip().lower(), signature(app_secret, body))


def is_challenge(challenge: str) -> bool:
    """Whether `challenge` looks like what Meta sends (the handshake echoes nothing else)."""
    return _CHALLENGE.fullmatch(challenge) is not None


def challenge_answer(*, mode: str | None, token: str | None, challenge: str | None, verify_token: str) -> str | None:
    """The challenge to echo when Meta asks to subscribe with our verify token, else None (answer 403)."""
    if mode != "subscribe" or token is None or challenge is None or not is_challenge(challenge):
        return None
    if not same_text(token, verify_token):
        return None
    return challenge
