"""Webhook authenticity: HTTP basic auth (SendGrid, Postmark: neither signs its inbound posts) and Mailgun's
signature, hex HMAC-SHA256(signing key, timestamp + token), with stale timestamps refused (replay of an old
post) and each token accepted once (the caller remembers them)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta

MAILGUN_MAX_AGE = timedelta(minutes=15)


def basic_auth_matches(header: str | None, expected: tuple[str, str]) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _, password = decoded.partition(":")
    user_ok = hmac.compare_digest(user.encode(), expected[0].encode())
    password_ok = hmac.compare_digest(password.encode(), expected[1].encode())
    return user_ok and password_ok


def mailgun_signature(key: str, *, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_problem(key: str, *, timestamp: str, token: str, signature: str, now: datetime) -> str | None:
    """Why the signed fields are not acceptable (None: they are). The token's reuse is checked by the caller."""
    if not timestamp or not token or not signature:
        return "timestamp, token and signature are required"
    if not hmac.compare_digest(mailgun_signature(key, timestamp=timestamp, token=token), signature.lower()):
        return "the signature does not match"
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        return "the timestamp is not a Unix time"
    if abs(now - signed_at) > MAILGUN_MAX_AGE:
        return "the timestamp is stale"
    return None
