"""Pure: one Meta webhook body -> every message and status in it (each entry, each event, its own item). No I/O.

`object` says the platform: `page` (Messenger, plus the page feed), `instagram`, `whatsapp_business_account`.
Fields and objects we do not handle are counted as skipped, never refused: Meta adds them without notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.meta import feed, whatsapp
from ingest_social.meta.messaging import messaging_event
from ingest_social.parsed import NotUnderstood, Parsed, as_object, child, objects, text_id
from shared.events import Channel

_MESSAGING_OBJECTS = {"page": Channel.MESSENGER, "instagram": Channel.INSTAGRAM}
WHATSAPP_OBJECT = "whatsapp_business_account"


def normalize(document: Any, *, received_at: datetime, public_posts: bool, default_region: str) -> Parsed:
    body = as_object(document, "the webhook body")
    kind = body.get("object")
    if not isinstance(body.get("entry"), list):
        raise NotUnderstood("a Meta webhook has an `entry` list")
    parsed = Parsed()
    for entry in objects(body["entry"]):
        if kind == WHATSAPP_OBJECT:
            parsed += _whatsapp_entry(entry, received_at=received_at, default_region=default_region)
        elif kind in _MESSAGING_OBJECTS:
            parsed += _messaging_entry(
                entry, channel=_MESSAGING_OBJECTS[kind], received_at=received_at, public_posts=public_posts
            )
        else:
            parsed += Parsed(skipped=1)
    return parsed


def _messaging_entry(entry: dict[str, Any], *, channel: Channel, received_at: datetime, public_posts: bool) -> Parsed:
    parsed = Parsed()
    for event in objects(entry.get("messaging")):
        parsed += messaging_event(event, channel=channel, received_at=received_at)
    owner = text_id(entry.get("id"))
    for change in objects(entry.get("changes")):
        value = child(change, "value")
        field = change.get("field")
        if public_posts and channel is Channel.MESSENGER and field == "feed":
            parsed += feed.page_feed(value, page_id=owner, received_at=received_at)
        elif public_posts and channel is Channel.INSTAGRAM and field in ("comments", "live_comments"):
            parsed += feed.instagram_comment(value, account_id=owner, received_at=received_at)
        elif channel is Channel.INSTAGRAM and field == "messages":
            # Instagram's newer webhook form: one messaging event as the change's value
            parsed += messaging_event(value, channel=channel, received_at=received_at)
        else:
            parsed += Parsed(skipped=1)
    return parsed


def _whatsapp_entry(entry: dict[str, Any], *, received_at: datetime, default_region: str) -> Parsed:
    parsed = Parsed()
    for change in objects(entry.get("changes")):
        value = change.get("value")
        if change.get("field") == "messages" and isinstance(value, dict):
            parsed += whatsapp.messages_change(value, received_at=received_at, default_region=default_region)
        else:
            parsed += Parsed(skipped=1)
    return parsed
