"""Pure: WhatsApp Cloud API changes (`entry[].changes[]`, field `messages`) -> messages and delivery news.

The customer's WhatsApp id is their phone number: the sender is a `whatsapp` address in E.164 (case_service links
the phone contact point too). The recipient is our `phone_number_id`, which replies are sent from. Statuses of what
we sent become delivery news; reactions, revoked messages and system notices are skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ingest_social.parsed import SKIPPED, Parsed, StatusUpdate, child, from_epoch, message_with, objects, text_id
from shared.contacts import normalize_address
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
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_SKIPPED_TYPES = frozenset({"reaction", "revoke", "system", "request_welcome", "ephemeral"})
_STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "played": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
}


def messages_change(value: dict[str, Any], *, received_at: datetime, default_region: str) -> Parsed:
    """One `messages` change: every message and every status in it."""
    metadata = child(value, "metadata")
    phone_number_id = text_id(metadata.get("phone_number_id"))
    names = {
        text_id(contact.get("wa_id")): str((contact.get("profile") or {}).get("name") or "").strip() or None
        for contact in objects(value.get("contacts"))
    }
    parsed = Parsed()
    for message in objects(value.get("messages")):
        parsed += _message(
            message,
            our_number=phone_number_id,
            display_number=text_id(metadata.get("display_phone_number")),
            names=names,
            at=received_at,
            region=default_region,
        )
    for status in objects(value.get("statuses")):
        parsed += _status(status)
    return parsed


def _message(
    message: dict[str, Any],
    *,
    our_number: str | None,
    display_number: str | None,
    names: dict[str | None, str | None],
    at: datetime,
    region: str,
) -> Parsed:
    wamid, wa_id = text_id(message.get("id")), text_id(message.get("from"))
    kind = str(message.get("type") or "")
    if wamid is None or wa_id is None or kind in _SKIPPED_TYPES:
        return SKIPPED
    facts: dict[str, Any] = {"kind": "message", "type": kind, "wa_id": wa_id}
    content = message
    if kind == "edit" and isinstance(message.get("edit"), dict):
        edit = message["edit"]
        facts.update(kind="edited_message", edited_message_id=text_id(edit.get("original_message_id")))
        content = child(edit, "message")
        kind = str(content.get("type") or "")
        facts["type"] = kind
    text, attachments = _content(content, kind, facts)
    refs = _media_refs(content, kind)
    sent = from_epoch(message.get("timestamp"))
    if sent is not None:
        facts["sent_at"] = sent.isoformat()
    if display_number:
        facts["business_number"] = display_number
    context = child(message, "context")
    if context.get("forwarded") or context.get("frequently_forwarded"):
        facts["forwarded"] = "frequently" if context.get("frequently_forwarded") else "once"
    if isinstance(message.get("referral"), dict):
        facts["referral"] = message["referral"]
    contact = normalize_address(AddressKind.WHATSAPP, wa_id, default_region=region)
    data = ComplaintMessageReceived(
        channel=Channel.WHATSAPP,
        provider=PROVIDER,
        provider_message_id=wamid,
        received_at=at,
        sender=Sender(**contact.model_dump(), display_name=names.get(wa_id)),
        recipient=our_number,
        text=text,
        attachments=attachments,
        thread=ThreadRefs(message_id=wamid, in_reply_to=text_id(context.get("id"))),
        metadata=facts,
    )
    return message_with(data, refs)


def _media_refs(message: dict[str, Any], kind: str) -> tuple[MediaRef, ...]:
    """The Cloud API names a file by its media id (GET /{media-id} gives its URL); a URL when there is one only."""
    if kind not in MEDIA_TYPES:
        return ()
    body = child(message, kind)
    media_id, url = text_id(body.get("id")), body.get("url")
    if media_id is not None:
        return (MediaRef(0, RefKind.WHATSAPP_MEDIA, media_id),)
    return (MediaRef(0, RefKind.URL, url),) if isinstance(url, str) and url else ()


def _content(message: dict[str, Any], kind: str, facts: dict[str, Any]) -> tuple[str, tuple[AttachmentMeta, ...]]:
    """The words and files of a message of `kind`; what has no words gets a short description."""
    body = child(message, kind)
    if kind == "text":
        return str(body.get("body") or ""), ()
    if kind in MEDIA_TYPES:
        facts["media_id"] = text_id(body.get("id"))
        url = body.get("url") if isinstance(body.get("url"), str) else None
        attachment = AttachmentMeta(
            filename=body.get("filename") if isinstance(body.get("filename"), str) else None,
            content_type=body.get("mime_type") if isinstance(body.get("mime_type"), str) else None,
            url=url,
        )
        return str(body.get("caption") or ""), (attachment,)
    if kind == "location":
        place = ", ".join(str(body[k]) for k in ("name", "address") if body.get(k))
        where = f"Location: {body.get('latitude')}, {body.get('longitude')}"
        return f"{where} ({place})" if place else where, ()
    if kind == "interactive":
        return _interactive(body, facts), ()
    if kind == "button":
        facts["payload"] = str(body.get("payload") or "")
        return str(body.get("text") or ""), ()
    if kind == "contacts":
        names = [str((c.get("name") or {}).get("formatted_name") or "") for c in objects(message.get("contacts"))]
        return "Shared contact: " + ", ".join(n for n in names if n), ()
    if kind == "order":
        return "Order: " + json.dumps(body, ensure_ascii=False)[:2000], ()
    # unsupported and types newer than this code: the customer still wrote something an agent should see
    return f"[{kind or 'unknown'} message]", ()


def _interactive(body: dict[str, Any], facts: dict[str, Any]) -> str:
    reply_type = str(body.get("type") or "")
    reply = child(body, reply_type)
    facts["interactive"] = reply_type
    if reply_type in ("button_reply", "list_reply"):
        facts["reply_id"] = str(reply.get("id") or "")
        return " - ".join(str(reply[k]) for k in ("title", "description") if reply.get(k))
    if reply_type == "nfm_reply":
        return str(reply.get("response_json") or reply.get("body") or "")
    return "[interactive reply]"


def _status(status: dict[str, Any]) -> Parsed:
    """A status of a message we sent (call statuses and `sent`, which we knew already, are not news)."""
    outcome = _STATUS.get(str(status.get("status") or ""))
    wamid = text_id(status.get("id"))
    if outcome is None or wamid is None or status.get("type") == "call":
        return SKIPPED
    error = None
    if outcome is DeliveryStatus.FAILED:
        errors = objects(status.get("errors"))
        if errors:
            first = errors[0]
            details = (first.get("error_data") or {}).get("details") or first.get("message") or first.get("title")
            error = f"WhatsApp error {first.get('code')}: {details}"[:500]
        else:
            error = "WhatsApp reported the message failed"
    update = StatusUpdate(channel=Channel.WHATSAPP, status=outcome, provider_message_ids=(wamid,), error=error)
    return Parsed(statuses=(update,))
