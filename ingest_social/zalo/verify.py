"""Zalo's X-ZEvent-Signature: `mac=<hex>`, plain SHA-256 (not an HMAC) over app_id, the raw body, the timestamp and
the OA secret key, app_id and timestamp taken from the body.

Public write-ups disagree on the order of the parts, so it is a setting (INGEST_SOCIAL_ZALO_SIGNATURE_PARTS).
The body is parsed before it is known to be genuine (the mac needs two of its fields), so it is parsed with its
nesting bounded: a too-deep body raises TooDeep (the route answers 400) instead of a RecursionError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ingest_social.parsed import text_id
from shared.ingest import jsonbody
from shared.ingest.signatures import same_text

SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_PARTS = ("app_id", "body", "timestamp", "secret")


def mac(*, body: bytes, oa_secret: str, parts: Sequence[str] = DEFAULT_PARTS) -> str | None:
    """The hex mac Zalo computes for `body`, or None when the body lacks the app_id or timestamp it needs.
    Raises jsonbody.TooDeep."""
    document = _object(body)
    if document is None:
        return None
    return _mac(document, body=body, oa_secret=oa_secret, parts=parts)


def is_authentic(
    oa_secret: str,
    *,
    body: bytes,
    header: str | None,
    parts: Sequence[str] = DEFAULT_PARTS,
    app_id: str | None = None,
) -> bool:
    """The mac matches; and when we know our app id, the event is for it (another app's event is not ours).
    Raises jsonbody.TooDeep."""
    if not header:
        return False
    document = _object(body)
    if document is None:
        return False
    expected = _mac(document, body=body, oa_secret=oa_secret, parts=parts)
    received = header.strip().removeprefix("mac=").strip().lower()
    if expected is None or not same_text(received, expected):
        return False
    return app_id is None or text_id(document.get("app_id")) == app_id


def _object(body: bytes) -> dict[str, Any] | None:
    try:
        document = jsonbody.loads(body)
    except jsonbody.TooDeep:
        raise
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _mac(document: dict[str, Any], *, body: bytes, oa_secret: str, parts: Sequence[str]) -> str | None:
    values: dict[str, bytes] = {"body": body, "secret": oa_secret.encode()}
    for name in ("app_id", "timestamp"):
        value = text_id(document.get(name))
        if value is None and name in parts:
            return None
        values[name] = (value or "").encode()
    return hashlib.sha256(b"".join(values[part] for part in parts)).hexdigest()
