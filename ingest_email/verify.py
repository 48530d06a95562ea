"""Webhook authenticity: HTTP basic auth (SendGrid, Postmark: neither signs its inbound posts) and Mailgun's
signature, hex HMAC-SHA256(signing key, timestamp + token), with stale timestamps refused (replay of an old
post), over-long tokens refused, and each token accepted once (the caller claims them, see ingest_email.api).

Mailgun's three signed fields are read from the raw body before the form is parsed (`mailgun_fields`): a forged
post is refused without its attachments being spooled or its fields decoded."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from urllib.parse import unquote_plus

from python_multipart.multipart import MultipartParser, parse_options_header

from shared.ingest.signatures import same_text

MAILGUN_MAX_AGE = timedelta(minutes=15)
MAILGUN_MAX_TOKEN_LENGTH = 200  # the column's length: a longer token could not be remembered whole
SIGNED_FIELDS = ("timestamp", "token", "signature")
_MAX_FIELD_BYTES = 1024  # far more than any signed field; more is not read
_URLENCODED_FIELD = re.compile(rb"(?:^|&)(timestamp|token|signature)=([^&]{0,1024})(?=&|$)")


def basic_auth_matches(header: str | None, expected: tuple[str, str]) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # ValueError: a non-ASCII header
        return False
    user, _, password = decoded.partition(":")
    user_ok = same_text(user, expected[0])
    password_ok = same_text(password, expected[1])
    return user_ok and password_ok


def mailgun_signature(key: str, *, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_problem(key: str, *, timestamp: str, token: str, signature: str, now: datetime) -> str | None:
    """Why the signed fields are not acceptable (None: they are). The token's reuse is checked by the caller."""
    if not timestamp or not token or not signature:
        return "timestamp, token and signature are required"
    if len(token) > MAILGUN_MAX_TOKEN_LENGTH:
        return f"the token is longer than {MAILGUN_MAX_TOKEN_LENGTH} characters"
    if not same_text(signature.lower(), mailgun_signature(key, timestamp=timestamp, token=token)):
        return "the signature does not match"
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        return "the timestamp is not a Unix time"
    if abs(now - signed_at) > MAILGUN_MAX_AGE:
        return "the timestamp is stale"
    return None


def mailgun_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Mailgun's signed fields from the raw form body (multipart or urlencoded), in one pass that keeps nothing
    else; a field missing, unreadable or over 1 KiB is absent."""
    media_type, options = parse_options_header(content_type)
    if media_type == b"application/x-www-form-urlencoded":
        found = {}
        for match in _URLENCODED_FIELD.finditer(body):
            name = match.group(1).decode()
            found.setdefault(name, unquote_plus(match.group(2).decode("latin-1"), encoding="utf-8"))
        return found
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        return {}
    return _multipart_fields(body, boundary)


def _multipart_fields(body: bytes, boundary: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}
    current: dict[str, object] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if bytes(header["field"]).strip().lower() == b"content-disposition":
            _, params = parse_options_header(bytes(header["value"]))
            name = params.get(b"name", b"").decode("latin-1")
            current.update(name=name if name in SIGNED_FIELDS else None, data=bytearray())
        header["field"], header["value"] = bytearray(), bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        buffer = current.get("data")
        if current.get("name") and isinstance(buffer, bytearray) and len(buffer) <= _MAX_FIELD_BYTES:
            buffer += data[start : min(end, start + _MAX_FIELD_BYTES + 1)]

    def on_part_end() -> None:
        name, buffer = current.get("name"), current.get("data")
        if isinstance(name, str) and isinstance(buffer, bytearray) and len(buffer) <= _MAX_FIELD_BYTES:
            found.setdefault(name, buffer.decode("utf-8", "replace"))
        current.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - python-multipart raises several types for a malformed body
        return found
    return found
