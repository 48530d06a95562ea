"""Walking a parsed message's MIME tree: the body text and HTML, attachments (inline images with their
Content-ID), enclosed messages (forwards, the originals inside bounces) and delivery-status fields."""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32

from ingest_email.charsets import decode_bytes
from ingest_email.headers import raw_to_text
from shared.filenames import safe_filename

MAX_DEPTH = 30
MAX_PARTS = 500
_TEXT_TYPES = ("text/plain", "text/html")


@dataclass(frozen=True)
class Blob:
    """One attachment's bytes and what the mail says about them."""

    content: bytes
    content_type: str
    filename: str | None
    content_id: str | None
    inline: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Walked:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    blobs: list[Blob] = field(default_factory=list)
    enclosed: list[Message] = field(default_factory=list)  # message/rfc822 parts and text/rfc822-headers
    delivery_status: list[dict[str, str]] = field(default_factory=list)
    charsets: list[str] = field(default_factory=list)
    fallback_decoded: bool = False
    parts: int = 0


def parse(raw: bytes) -> Message:
    """The message as the lenient compat32 parser reads it (8-bit headers kept as surrogate escapes)."""
    return email.message_from_bytes(raw, policy=compat32)


def declared_charsets(message: Message) -> list[str]:
    """Every charset the message declares anywhere, to try on parts and headers whose declaration does not fit."""
    found: list[str] = []
    for part in _parts(message, 0):
        charset = part.get_param("charset")
        if isinstance(charset, str) and charset and charset.lower() not in found:
            found.append(charset.lower())
    return found


def _parts(message: Message, depth: int) -> list[Message]:
    if depth > MAX_DEPTH:
        return []
    out = [message]
    payload = message.get_payload()
    if isinstance(payload, list):
        for sub in payload[:MAX_PARTS]:
            if isinstance(sub, Message):
                out.extend(_parts(sub, depth + 1))
    return out[:MAX_PARTS]


def walk(message: Message, *, hints: list[str]) -> Walked:
    walked = Walked(charsets=hints)
    _walk(message, walked, depth=0, hints=hints)
    return walked


def _walk(part: Message, walked: Walked, *, depth: int, hints: list[str]) -> None:
    walked.parts += 1
    if depth > MAX_DEPTH or walked.parts > MAX_PARTS:
        return
    content_type = part.get_content_type()
    payload = part.get_payload()
    if content_type in ("message/rfc822", "message/global") and isinstance(payload, list) and payload:
        enclosed = payload[0]
        if isinstance(enclosed, Message):
            walked.enclosed.append(enclosed)
            walked.blobs.append(_enclosed_blob(part, enclosed, hints))
        return
    if content_type == "message/delivery-status" and isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                walked.delivery_status.append({name.lower(): str(value) for name, value in block.items()})
        return
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                _walk(sub, walked, depth=depth + 1, hints=hints)
        return
    data = _content(part)
    if content_type in ("text/rfc822-headers", "message/rfc822", "message/global"):
        walked.enclosed.append(parse(data))
        return
    if content_type == "message/delivery-status":
        walked.delivery_status.extend(_status_blocks(data))
        return
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part, hints)
    if content_type in _TEXT_TYPES and disposition != "attachment" and filename is None:
        decoded = decode_bytes(data, _charset(part), hints=hints)
        walked.fallback_decoded |= decoded.fallback
        (walked.plain if content_type == "text/plain" else walked.html).append(decoded.text)
        return
    content_id = part.get("Content-ID")
    walked.blobs.append(
        Blob(
            content=data,
            content_type=content_type,
            filename=filename,
            content_id=raw_to_text(str(content_id)).strip().strip("<>") or None if content_id else None,
            inline=disposition == "inline" or (disposition == "" and content_id is not None),
        )
    )


def _content(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what was sent
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _charset(part: Message) -> str | None:
    charset = part.get_param("charset")
    return charset if isinstance(charset, str) else None


def _filename(part: Message, hints: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    return safe_filename(raw_to_text(str(name), hints=hints))


def _enclosed_blob(part: Message, enclosed: Message, hints: list[str]) -> Blob:
    try:
        content = enclosed.as_bytes()
    except Exception:
        content = b""
    subject = raw_to_text(str(enclosed.get("Subject", "")), hints=hints) or "message"
    return Blob(
        content=content,
        content_type=part.get_content_type(),
        filename=_filename(part, hints) or safe_filename(f"{subject[:80]}.eml"),
        content_id=None,
        inline=False,
    )


def _status_blocks(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    blocks = []
    for chunk in text.split("\n\n"):
        fields = parse(chunk.encode("utf-8"))
        block = {name.lower(): str(value) for name, value in fields.items()}
        if block:
            blocks.append(block)
    return blocks
