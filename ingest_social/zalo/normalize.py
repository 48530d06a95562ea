"""Pure: a Zalo OA webhook event -> the customer's message in it, or news about messages we sent. No I/O.

`user_send_*` events (text, image, file, link, sticker, location, gif, audio, video, business card) are
messages; `user_received_message` and `user_seen_message` report what we sent as delivered; the OA's own messages
(`oa_send_*`), follows and the rest are skipped. Zalo ids exceed 2^53: they are kept as text, never numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.parsed import (
    SKIPPED,
    Parsed,
    StatusUpdate,
    as_object,
    child,
    from_epoch,
    message_with,
    objects,
    text_id,
)
from shared.events import AddressKind, AttachmentMeta, Channel, ComplaintMessageReceived, DeliveryStatus, Sender
from shared.ingest.media import MediaRef, RefKind

PROVIDER = "zalo"
_SEND_PREFIX = "user_send_"
_RECEIPTS = frozenset({"user_received_message", "user_seen_message"})
_CONTENT_TYPES = {"image": "image/*", "gif": "image/gif", "audio": "audio/*", "video": "video/*", "sticker": "image/*"}


def normalize(document: Any, *, received_at: datetime) -> Parsed:
    event = as_object(document, "the event")
    name = str(event.get("event_name") or "")
    sender = child(event, "sender")
    recipient = child(event, "recipient")
    message = child(event, "message")
    if name in _RECEIPTS:
        ids = tuple(i for i in (text_id(m) for m in message.get("msg_ids") or ()) if i is not None)
        customer = text_id(recipient.get("id"))
        if not ids:
            return SKIPPED
        update = StatusUpdate(
            channel=Channel.ZALO, status=DeliveryStatus.DELIVERED, provider_message_ids=ids, recipient=customer
        )
        return Parsed(statuses=(update,))
    user_id, msg_id = text_id(sender.get("id")), text_id(message.get("msg_id"))
    if not name.startswith(_SEND_PREFIX) or user_id is None or msg_id is None:
        return SKIPPED
    kind = name.removeprefix(_SEND_PREFIX)
    facts: dict[str, Any] = {"kind": "message", "event_name": name}
    sent = from_epoch(event.get("timestamp"))
    if sent is not None:
        facts["sent_at"] = sent.isoformat()
    if text_id(event.get("user_id_by_app")):
        facts["user_id_by_app"] = text_id(event.get("user_id_by_app"))
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    attachments, described, refs = _attachments(message.get("attachments"))
    data = ComplaintMessageReceived(
        channel=Channel.ZALO,
        provider=PROVIDER,
        provider_message_id=msg_id,
        received_at=received_at,
        sender=Sender(kind=AddressKind.ZALO, address=user_id, raw=user_id),
        recipient=text_id(recipient.get("id")),
        text=text or "\n".join(described) or (f"[{kind}]" if not attachments else ""),
        attachments=attachments,
        metadata=facts,
    )
    return message_with(data, refs)


def _attachments(raw: Any) -> tuple[tuple[AttachmentMeta, ...], list[str], tuple[MediaRef, ...]]:
    """Files with their URLs; a location or a link is described in words (it is what the customer said)."""
    attachments: list[AttachmentMeta] = []
    described: list[str] = []
    refs: list[MediaRef] = []
    for item in objects(raw):
        kind = str(item.get("type") or "")
        payload = child(item, "payload")
        if kind == "location":
            where = child(payload, "coordinates")
            described.append(f"Location: {where.get('latitude')}, {where.get('longitude')}")
            continue
        if kind == "link":
            described.append(" ".join(str(payload[k]) for k in ("description", "url") if payload.get(k)))
            continue
        url = payload.get("url")
        if isinstance(url, str) and url:
            size = payload.get("size")
            refs.append(MediaRef(len(attachments), RefKind.URL, url))
            attachments.append(
                AttachmentMeta(
                    url=url,
                    filename=payload.get("name") if isinstance(payload.get("name"), str) else None,
                    content_type=_CONTENT_TYPES.get(kind),
                    size=int(size) if isinstance(size, (int, str)) and str(size).isdigit() else None,
                )
            )
    return tuple(attachments), described, tuple(refs)
