"""Pure: Messenger and Instagram messaging events (`entry[].messaging[]`) -> messages and delivery news.

Echoes (our own messages), deleted (unsent) messages, optins, reactions and the like are skipped; deliveries and
reads are news about what we sent, never complaints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.parsed import SKIPPED, Parsed, StatusUpdate, child, from_epoch, message_with, objects, text_id
from shared.events import (
    AddressKind,
    AttachmentMeta,
    Channel,
    ComplaintMessageReceived,
    DeliveryStatus,
    Sender,
    ThreadRefs,
)
from shared.ingest.media import MediaRef, RefKind

PROVIDER = "meta"
_KIND = {Channel.MESSENGER: AddressKind.MESSENGER, Channel.INSTAGRAM: AddressKind.INSTAGRAM}
_CONTENT_TYPES = {"image": "image/*", "video": "video/*", "audio": "audio/*"}


def messaging_event(event: dict[str, Any], *, channel: Channel, received_at: datetime) -> Parsed:
    sender_id = text_id((event.get("sender") or {}).get("id"))
    recipient_id = text_id((event.get("recipient") or {}).get("id"))
    if sender_id is None:
        return SKIPPED
    if isinstance(event.get("delivery"), dict):
        return _receipt(event["delivery"], channel=channel, customer=sender_id)
    if isinstance(event.get("read"), dict):
        return _receipt(event["read"], channel=channel, customer=sender_id)
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo") or message.get("is_deleted") or message.get("is_unsupported"):
            return SKIPPED
        return _message(message, event, channel=channel, sender_id=sender_id, recipient_id=recipient_id, at=received_at)
    postback = event.get("postback")
    if isinstance(postback, dict):
        return _postback(
            postback, event, channel=channel, sender_id=sender_id, recipient_id=recipient_id, at=received_at
        )
    return SKIPPED


def _message(
    message: dict[str, Any],
    event: dict[str, Any],
    *,
    channel: Channel,
    sender_id: str,
    recipient_id: str | None,
    at: datetime,
) -> Parsed:
    mid = text_id(message.get("mid"))
    if mid is None:
        return SKIPPED
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    attachments, locations, refs = _attachments(message.get("attachments"))
    if not text and locations:
        text = "\n".join(locations)
    facts: dict[str, Any] = {"kind": "message", **_sent_at(event)}
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and quick_reply.get("payload") is not None:
        facts["quick_reply_payload"] = str(quick_reply["payload"])
    reply_to = message.get("reply_to")
    in_reply_to = None
    if isinstance(reply_to, dict):
        in_reply_to = text_id(reply_to.get("mid"))
        story = reply_to.get("story")
        if isinstance(story, dict):
            facts["story"] = {k: story[k] for k in ("id", "url") if k in story}
    data = ComplaintMessageReceived(
        channel=channel,
        provider=PROVIDER,
        provider_message_id=mid,
        received_at=at,
        sender=_sender(channel, sender_id),
        recipient=recipient_id,
        text=text,
        attachments=attachments,
        thread=ThreadRefs(message_id=mid, in_reply_to=in_reply_to),
        metadata=facts,
    )
    return message_with(data, refs)


def _postback(
    postback: dict[str, Any],
    event: dict[str, Any],
    *,
    channel: Channel,
    sender_id: str,
    recipient_id: str | None,
    at: datetime,
) -> Parsed:
    """A button the customer pressed: its title is what they said; without a mid, sender and time identify it."""
    title = str(postback.get("title") or postback.get("payload") or "").strip()
    mid = text_id(postback.get("mid")) or f"postback:{sender_id}:{event.get('timestamp')}"
    data = ComplaintMessageReceived(
        channel=channel,
        provider=PROVIDER,
        provider_message_id=mid,
        received_at=at,
        sender=_sender(channel, sender_id),
        recipient=recipient_id,
        text=title,
        metadata={"kind": "postback", "payload": str(postback.get("payload") or ""), **_sent_at(event)},
    )
    return Parsed(messages=(data,))


def _receipt(receipt: dict[str, Any], *, channel: Channel, customer: str) -> Parsed:
    """Delivered (or read, which implies delivered): named mids, and everything up to the watermark."""
    mids = tuple(mid for mid in (text_id(m) for m in receipt.get("mids") or ()) if mid is not None)
    update = StatusUpdate(
        channel=channel,
        status=DeliveryStatus.DELIVERED,
        provider_message_ids=mids,
        recipient=customer,
        watermark=from_epoch(receipt.get("watermark")),
    )
    return Parsed(statuses=(update,))


def _attachments(raw: Any) -> tuple[tuple[AttachmentMeta, ...], list[str], tuple[MediaRef, ...]]:
    attachments: list[AttachmentMeta] = []
    locations: list[str] = []
    refs: list[MediaRef] = []
    for item in objects(raw):
        kind = str(item.get("type") or "")
        payload = child(item, "payload")
        coordinates = payload.get("coordinates")
        if kind == "location" and isinstance(coordinates, dict):
            locations.append(f"Location: {coordinates.get('lat')}, {coordinates.get('long')}")
            continue
        url = payload.get("url")
        if isinstance(url, str) and url:
            refs.append(MediaRef(len(attachments), RefKind.URL, url))
            attachments.append(
                AttachmentMeta(url=url, content_type=_CONTENT_TYPES.get(kind), filename=_str(item.get("title")))
            )
    return tuple(attachments), locations, tuple(refs)


def _sender(channel: Channel, sender_id: str) -> Sender:
    return Sender(kind=_KIND[channel], address=sender_id, raw=sender_id)


def _sent_at(event: dict[str, Any]) -> dict[str, str]:
    sent = from_epoch(event.get("timestamp"))
    return {"sent_at": sent.isoformat()} if sent is not None else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
