"""Zalo's X-ZEvent-Signature: `mac=<hex>`, plain SHA-256 (not an HMAC) over app_id, the raw body, the timestamp and
the OA secret key, app_id and timestamp taken from the body.

Public write-ups disagree on the order of the parts, so it is a setting (INGEST_SOCIAL_ZALO_SIGNATURE_PARTS).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

from ingest_social.parsed import text_id

SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_PARTS = ("app_id", "body", "timestamp", "secret")


def mac(*, body: bytes, oa_secret: str, parts: Sequence[str] = DEFAULT_PARTS) -> str | None:
    """The hex mac Zalo computes for `body`, or None when the body lacks the app_id or timestamp it needs."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    values: dict[str, bytes] = {"body": body, "secret": oa_secret.encode()}
    for name in ("app_id", "timestamp"):
        value = text_id(document.get(name))
        if value is None and name in parts:
            return None
        values[name] = (value or "").encode()
    return hashlib.sha256(b"".join(values[part] for part in parts)).hexdigest()


def is_authentic(
    oa_secret: str,
    *,
    body: bytes,
    header: str | None,
    parts: Sequence[str] = DEFAULT_PARTS,
    app_id: str | None = None,
) -> bool:
    """The mac matches; and when we know our app id, the event is for it (another app's event is not ours)."""
    if not header:
        return False
    received = header.strip().removeprefix("mac=").strip().lower()
    expected = mac(body=body, oa_secret=oa_secret, parts=parts)
    if expected is None or not hmac.compare_digest(expected, received):
        return False
    if app_id is not None:
        try:
            return text_id(json.loads(body).get("app_id")) == app_id
        except (ValueError, AttributeError):
            return False
    return True
