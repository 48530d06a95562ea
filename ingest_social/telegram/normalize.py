"""Pure: a Telegram Update -> the customer's message in it. No I/O.

An Update carries one payload field: `message`, `edited_message` and `callback_query` are ingested; everything
else (inline queries, channel posts, membership changes...) is skipped. The dedup key is `chat_id:message_id`
(an edit gets its own, with its edit date; a callback query its update id). The chat id is the conversation:
messages in one chat thread together, and replies are sent to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.parsed import SKIPPED, Parsed, as_object, child, from_epoch, message_with, objects, text_id
from shared.events import AddressKind, AttachmentMeta, Channel, ComplaintMessageReceived, Sender, ThreadRefs
from shared.ingest.media import MediaRef, RefKind

PROVIDER = "telegram"
_FILES = {
    "document": None,
    "audio": "audio/*",
    "voice": "audio/ogg",
    "video": "video/*",
    "video_note": "video/mp4",
    "animation": "video/mp4",
    "sticker": "image/webp",
}


def normalize(document: Any, *, received_at: datetime) -> Parsed:
    update = as_object(document, "the update")
    update_id = text_id(update.get("update_id"))
    if isinstance(update.get("message"), dict):
        return _message(update["message"], received_at=received_at, edited=False)
    if isinstance(update.get("edited_message"), dict):
        return _message(update["edited_message"], received_at=received_at, edited=True)
    if isinstance(update.get("callback_query"), dict) and update_id is not None:
        return _callback_query(update["callback_query"], update_id=update_id, received_at=received_at)
    return SKIPPED


def _message(message: dict[str, Any], *, received_at: datetime, edited: bool) -> Parsed:
    author = child(message, "from")
    chat = child(message, "chat")
    user_id, chat_id, message_id = (
        text_id(author.get("id")),
        text_id(chat.get("id")),
        text_id(message.get("message_id")),
    )
    if user_id is None or chat_id is None or message_id is None or author.get("is_bot"):
        return SKIPPED
    key = f"{chat_id}:{message_id}"
    facts: dict[str, Any] = {"kind": "edited_message" if edited else "message", "chat_type": chat.get("type")}
    sent = from_epoch(message.get("edit_date") if edited else message.get("date"))
    if sent is not None:
        facts["sent_at"] = sent.isoformat()
    if edited:
        facts["edited_message_id"] = key
        key = f"{key}:edited:{message.get('edit_date')}"
    if "forward_from" in message or "forward_from_chat" in message or "forward_origin" in message:
        facts["forwarded"] = True
    text = message.get("text") if isinstance(message.get("text"), str) else message.get("caption")
    attachments = _attachments(message, facts)
    location = message.get("location")
    if not text and isinstance(location, dict):
        text = f"Location: {location.get('latitude')}, {location.get('longitude')}"
    contact = message.get("contact")
    if not text and isinstance(contact, dict):
        text = f"Shared contact: {contact.get('first_name', '')} {contact.get('phone_number', '')}".strip()
    reply = message.get("reply_to_message")
    in_reply_to = None
    if isinstance(reply, dict) and text_id(reply.get("message_id")) is not None:
        in_reply_to = f"{chat_id}:{text_id(reply.get('message_id'))}"
    data = ComplaintMessageReceived(
        channel=Channel.TELEGRAM,
        provider=PROVIDER,
        provider_message_id=key,
        received_at=received_at,
        sender=_sender(user_id, author),
        text=text if isinstance(text, str) else "",
        attachments=attachments,
        thread=ThreadRefs(message_id=key, in_reply_to=in_reply_to, conversation_id=chat_id),
        metadata=facts,
    )
    refs = tuple(
        MediaRef(index, RefKind.TELEGRAM_FILE, file_id)
        for index, file_id in enumerate(facts.get("file_ids", ()))
        if file_id
    )
    return message_with(data, refs)


def _callback_query(query: dict[str, Any], *, update_id: str, received_at: datetime) -> Parsed:
    """A button under one of our messages was pressed: its data is what the customer chose."""
    author = child(query, "from")
    user_id = text_id(author.get("id"))
    if user_id is None:
        return SKIPPED
    message = child(query, "message")
    chat = child(message, "chat")
    chat_id = text_id(chat.get("id")) or user_id
    data = ComplaintMessageReceived(
        channel=Channel.TELEGRAM,
        provider=PROVIDER,
        provider_message_id=f"callback:{update_id}",
        received_at=received_at,
        sender=_sender(user_id, author),
        text=str(query.get("data") or ""),
        thread=ThreadRefs(conversation_id=chat_id),
        metadata={"kind": "callback_query", "callback_query_id": str(query.get("id") or "")},
    )
    return Parsed(messages=(data,))


def _attachments(message: dict[str, Any], facts: dict[str, Any]) -> tuple[AttachmentMeta, ...]:
    """Telegram sends file ids, not URLs (getFile resolves them with the bot token): the ids go in metadata."""
    found: list[AttachmentMeta] = []
    file_ids: list[str] = []
    photos = objects(message.get("photo"))
    if photos:
        largest = photos[-1]  # Telegram lists a photo's sizes smallest first
        file_ids.append(str(largest.get("file_id") or ""))
        found.append(AttachmentMeta(content_type="image/jpeg", size=_int(largest.get("file_size"))))
    for field, content_type in _FILES.items():
        item = message.get(field)
        if isinstance(item, dict):
            file_ids.append(str(item.get("file_id") or ""))
            found.append(
                AttachmentMeta(
                    filename=item.get("file_name") if isinstance(item.get("file_name"), str) else None,
                    content_type=item.get("mime_type") if isinstance(item.get("mime_type"), str) else content_type,
                    size=_int(item.get("file_size")),
                )
            )
    if file_ids:
        facts["file_ids"] = file_ids
    return tuple(found)


def _sender(user_id: str, author: dict[str, Any]) -> Sender:
    name = " ".join(str(author[k]) for k in ("first_name", "last_name") if author.get(k)).strip()
    return Sender(
        kind=AddressKind.TELEGRAM,
        address=user_id,
        raw=user_id,
        display_name=name or (str(author["username"]) if author.get("username") else None),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
