"""Pure: an X Account Activity body -> the direct messages customers sent us. No I/O.

A body names the subscribed account (`for_user_id`) and carries `direct_message_events` (our own DMs come back
too: skipped), plus typing and read indicators (skipped). Tweet events are not handled. Ids are text (snowflakes
exceed 2^53); the DM event id is the dedup key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.parsed import Parsed, as_object, child, from_epoch, objects, text_id
from shared.events import AddressKind, AttachmentMeta, Channel, ComplaintMessageReceived, Sender, ThreadRefs

PROVIDER = "x"


def normalize(document: Any, *, received_at: datetime) -> Parsed:
    body = as_object(document, "the body")
    account = text_id(body.get("for_user_id"))
    users = child(body, "users")
    parsed = Parsed()
    for event in objects(body.get("direct_message_events")):
        parsed += _direct_message(event, account=account, users=users, received_at=received_at)
    others = sum(
        len(v)
        for k, v in body.items()
        if k.endswith("_events") and k != "direct_message_events" and isinstance(v, list)
    )
    return parsed + Parsed(skipped=others)


def _direct_message(
    event: dict[str, Any], *, account: str | None, users: dict[str, Any], received_at: datetime
) -> Parsed:
    create = child(event, "message_create")
    event_id, sender_id = text_id(event.get("id")), text_id(create.get("sender_id"))
    if event.get("type") != "message_create" or event_id is None or sender_id is None or sender_id == account:
        return Parsed(skipped=1)
    data_part = child(create, "message_data")
    raw_text = data_part.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    attachments: tuple[AttachmentMeta, ...] = ()
    media = child(child(data_part, "attachment"), "media")
    if isinstance(media.get("media_url_https"), str):
        attachments = (AttachmentMeta(url=media["media_url_https"], content_type=_media_type(media.get("type"))),)
        # X appends the media's t.co link to the text: it is not something the customer wrote
        for url in objects(child(data_part, "entities").get("urls")):
            if url.get("url") and url.get("url") == media.get("url"):
                text = text.replace(str(url["url"]), "").strip()
    user = child(users, sender_id)
    facts: dict[str, Any] = {"kind": "message"}
    sent = from_epoch(event.get("created_timestamp"))
    if sent is not None:
        facts["sent_at"] = sent.isoformat()
    if user.get("screen_name"):
        facts["screen_name"] = str(user["screen_name"])
    target = child(create, "target")
    data = ComplaintMessageReceived(
        channel=Channel.X,
        provider=PROVIDER,
        provider_message_id=event_id,
        received_at=received_at,
        sender=Sender(
            kind=AddressKind.X,
            address=sender_id,
            raw=sender_id,
            display_name=str(user.get("name") or "").strip() or None,
        ),
        recipient=text_id(target.get("recipient_id")) or account,
        text=text,
        attachments=attachments,
        thread=ThreadRefs(message_id=event_id),
        metadata=facts,
    )
    return Parsed(messages=(data,))


def _media_type(kind: Any) -> str | None:
    return {"photo": "image/jpeg", "video": "video/mp4", "animated_gif": "video/mp4"}.get(str(kind))
