"""Pure rules of the gateway: request to event, request fingerprints, and a dead letter back to record bytes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.gateway.schemas import MessageRequest
from shared import topics
from shared.attachments import Accepted, decode_upload
from shared.contacts import guess_kind, normalize_address
from shared.events import AddressKind, AttachmentMeta, Channel, ComplaintMessageReceived, Sender

PROVIDER = "gateway"
STORE = "gateway"

_KIND_OF_CHANNEL: dict[Channel, AddressKind] = {
    Channel.EMAIL: AddressKind.EMAIL,
    Channel.SMS: AddressKind.PHONE,
    Channel.PHONE: AddressKind.PHONE,
    Channel.WHATSAPP: AddressKind.WHATSAPP,
    Channel.MESSENGER: AddressKind.MESSENGER,
    Channel.INSTAGRAM: AddressKind.INSTAGRAM,
    Channel.TELEGRAM: AddressKind.TELEGRAM,
    Channel.ZALO: AddressKind.ZALO,
    Channel.X: AddressKind.X,
}


class UnreplayableLetter(ValueError):
    """The stored value cannot be turned back into the record's bytes."""


class TooManyAttachments(ValueError):
    """More files than GATEWAY_MAX_ATTACHMENTS."""


def accepted_files(request: MessageRequest, *, max_count: int, max_bytes: int) -> list[Accepted]:
    """The request's files, decoded and judged (shared.attachments); raises TooManyAttachments, Unreadable or
    Refused for the first one that does not pass."""
    if len(request.attachments) > max_count:
        raise TooManyAttachments(f"at most {max_count} attachments per message; {len(request.attachments)} were sent")
    return [
        decode_upload(
            filename=item.filename,
            content_type=item.content_type,
            content_base64=item.content_base64,
            max_bytes=max_bytes,
        )
        for item in request.attachments
    ]


def attachment_meta(file: Accepted) -> AttachmentMeta:
    return AttachmentMeta(
        filename=file.filename, content_type=file.content_type, size=file.size, sha256=file.sha256, store=STORE
    )


def sender_kind(channel: Channel, address: str) -> AddressKind:
    """The channel says what the address is; web forms and API clients may send anything, so look at it."""
    return _KIND_OF_CHANNEL.get(channel) or guess_kind(address)


def normalize_sender(channel: Channel, address: str, *, display_name: str | None, default_region: str) -> Sender:
    contact = normalize_address(sender_kind(channel, address), address, default_region=default_region)
    return Sender(**contact.model_dump(), display_name=display_name)


def provider_message_id(*, external_id: str | None, idempotency_key: str) -> str:
    """The integrator's own id when given; else the idempotency key, which names the message just as uniquely."""
    return external_id or f"idem:{idempotency_key}"


def request_sha256(fields: Mapping[str, Any]) -> str:
    """Fingerprint of a validated request: its canonical JSON (sorted keys, no spaces), so key order does not count."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint(request: MessageRequest) -> str:
    """A request without files or status token hashes as it did before `attachments` and `status_token` existed (a
    retry across an upgrade matches)."""
    unset = {name for name in ("attachments", "status_token") if not getattr(request, name)}
    return request_sha256(request.model_dump(mode="json", exclude=unset))


def to_event_data(
    request: MessageRequest,
    *,
    idempotency_key: str,
    received_at: datetime,
    default_region: str,
    files: Sequence[Accepted] = (),
) -> ComplaintMessageReceived:
    metadata: dict[str, Any] = {"idempotency_key": idempotency_key}
    if request.status_token is not None:
        digest = hashlib.sha256(request.status_token.encode()).hexdigest()
        # case_service knows the link by this hash; the token itself (a credential) goes no further than here.
        metadata[STATUS_LINK_METADATA] = digest
        sender = status_page_sender(digest, display_name=request.sender_name)
    else:
        assert request.sender_address is not None  # MessageRequest requires one or the other
        sender = normalize_sender(
            request.channel, request.sender_address, display_name=request.sender_name, default_region=default_region
        )
    return ComplaintMessageReceived(
        channel=request.channel,
        provider=PROVIDER,
        provider_message_id=provider_message_id(external_id=request.external_id, idempotency_key=idempotency_key),
        received_at=received_at,
        sender=sender,
        subject=request.subject,
        text=request.text,
        language=request.language,
        customer_ref=request.customer_ref,
        attachments=tuple(attachment_meta(file) for file in files),
        metadata=metadata,
    )


STATUS_LINK_METADATA = "status_link_sha256"


def status_page_sender(digest: str, *, display_name: str | None) -> Sender:
    """A stand-in sender for a message written on a status page: case_service replaces it with the link's customer.
    It keys the record (one link's messages stay in order) and names no one."""
    return Sender(kind=AddressKind.EXTERNAL, address=f"status-link:{digest[:32]}", display_name=display_name)


def record_value(value: str, encoding: str) -> bytes:
    """The original record value from its stored form."""
    if encoding == "utf-8":
        return value.encode()
    if encoding == "base64":
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise UnreplayableLetter(f"value is not valid base64: {error}") from error
    raise UnreplayableLetter(f"unknown value encoding {encoding!r}")


def replay_topic(source_topic: str) -> str:
    """Where a letter goes back to: its source topic, when that is one of the platform's topics. A letter a channel
    service wrote about a message it could not read at all (source `ingest_email.smtp` and the like) never was on a
    topic: the provider's original must be submitted again to that service once the cause is fixed."""
    if source_topic not in topics.ALL_TOPICS:
        raise UnreplayableLetter(
            f"{source_topic} is not a topic: the message was refused at a channel service's intake before it became "
            "an event; submit the raw message to that service again (a mail: POST it as message/rfc822 to "
            "ingest_email's /v1/mime) once the cause is fixed"
        )
    return source_topic


def record_key(key: str | None) -> bytes | None:
    return key.encode() if key is not None else None


def record_headers(headers: Sequence[Sequence[str]]) -> list[tuple[str, bytes]]:
    """Headers were stored as latin-1 text, which maps every byte to one character: encoding it back is lossless."""
    try:
        return [(name, value.encode("latin-1")) for name, value in headers]
    except (UnicodeEncodeError, ValueError) as error:
        raise UnreplayableLetter(f"headers are not latin-1 pairs: {error}") from error
