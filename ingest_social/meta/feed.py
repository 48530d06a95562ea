"""Pure: public posts and comments (Facebook page `feed`, Instagram `comments`) -> `social_post` messages.

Only when INGEST_SOCIAL_PUBLIC_POSTS is on. A Facebook post or comment comes in on the `messenger` channel, an
Instagram comment on `instagram`, so an answer can go back as a private reply on the same platform: the thread's
conversation id is `comment:<id>` (or `post:<id>`), which the sender turns into a private-reply recipient.
The author's id on a page feed is not the Messenger page-scoped id, so the same person writing in Messenger may
appear as a second contact point until an agent merges them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_social.parsed import SKIPPED, Parsed, child, from_epoch, text_id
from shared.events import AddressKind, Channel, ComplaintMessageReceived, Sender, ThreadRefs

PROVIDER = "meta"
SOCIAL_POST = "social_post"
_FEED_ITEMS = frozenset({"post", "status", "comment", "photo", "video", "share"})


def page_feed(value: dict[str, Any], *, page_id: str | None, received_at: datetime) -> Parsed:
    author = child(value, "from")
    author_id = text_id(author.get("id"))
    item, text = str(value.get("item") or ""), value.get("message")
    if value.get("verb") != "add" or item not in _FEED_ITEMS or author_id is None or author_id == page_id:
        return SKIPPED  # edits, removals, reactions, and the page's own posts are not new complaints
    if not isinstance(text, str) or not text.strip():
        return SKIPPED
    comment_id, post_id = text_id(value.get("comment_id")), text_id(value.get("post_id"))
    item_id = comment_id if item == "comment" else post_id
    if item_id is None:
        return SKIPPED
    facts: dict[str, Any] = {"kind": SOCIAL_POST, "platform": "facebook", "item": item, "post_id": post_id}
    if comment_id is not None:
        facts["comment_id"] = comment_id
    created = from_epoch(value.get("created_time"))
    if created is not None:
        facts["sent_at"] = created.isoformat()
    target = f"comment:{comment_id}" if item == "comment" else f"post:{post_id}"
    data = ComplaintMessageReceived(
        channel=Channel.MESSENGER,
        provider=PROVIDER,
        provider_message_id=f"feed:{item_id}",
        received_at=received_at,
        sender=Sender(
            kind=AddressKind.MESSENGER,
            address=author_id,
            raw=author_id,
            display_name=str(author.get("name") or "").strip() or None,
        ),
        recipient=page_id,
        text=text,
        thread=ThreadRefs(conversation_id=target),
        metadata=facts,
    )
    return Parsed(messages=(data,))


def instagram_comment(value: dict[str, Any], *, account_id: str | None, received_at: datetime) -> Parsed:
    author = child(value, "from")
    author_id, comment_id = text_id(author.get("id")), text_id(value.get("id"))
    text = value.get("text")
    if author_id is None or comment_id is None or author_id == account_id or not isinstance(text, str):
        return SKIPPED
    media = child(value, "media")
    facts: dict[str, Any] = {
        "kind": SOCIAL_POST,
        "platform": "instagram",
        "item": "comment",
        "comment_id": comment_id,
        "media_id": text_id(media.get("id")),
    }
    if value.get("parent_id"):
        facts["parent_id"] = text_id(value.get("parent_id"))
    data = ComplaintMessageReceived(
        channel=Channel.INSTAGRAM,
        provider=PROVIDER,
        provider_message_id=f"comment:{comment_id}",
        received_at=received_at,
        sender=Sender(
            kind=AddressKind.INSTAGRAM,
            address=author_id,
            raw=author_id,
            display_name=str(author.get("username") or "").strip() or None,
        ),
        recipient=account_id,
        text=text,
        thread=ThreadRefs(conversation_id=f"comment:{comment_id}"),
        metadata=facts,
    )
    return Parsed(messages=(data,))
