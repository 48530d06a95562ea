"""Messenger, Instagram and page-feed webhook bodies: each message is its own event; echoes, deletions and reads
are never complaints; deliveries and reads are news about what we sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest_social.meta.normalize import normalize
from ingest_social.parsed import NotUnderstood, Parsed
from shared.events import AddressKind, Channel, DeliveryStatus
from tests.unit.ingest_social.samples import (
    IG_ACCOUNT,
    IGSID,
    PAGE_ID,
    PSID_LAN,
    PSID_MINH,
    corpus_json,
    instagram_comment,
    instagram_dm,
    messenger_batch,
    page_feed_comment,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def parse(document: object, *, public_posts: bool = False) -> Parsed:
    return normalize(document, received_at=NOW, public_posts=public_posts, default_region="VN")


def test_a_messenger_batch_becomes_one_event_per_customer_message() -> None:
    parsed = parse(messenger_batch())
    assert [(m.provider_message_id, m.sender.address, m.text) for m in parsed.messages] == [
        ("m_lan-1", PSID_LAN, "Đơn hàng #A1234 giao thiếu 2 sản phẩm, tôi cần hoàn tiền"),
        ("m_lan-2", PSID_LAN, "Hoàn tiền"),
        ("m_minh-1", PSID_MINH, "Ảnh sản phẩm bị vỡ đây ạ"),
    ]
    first, quick, with_image = parsed.messages
    assert (first.channel, first.provider, first.sender.kind, first.recipient) == (
        Channel.MESSENGER,
        "meta",
        AddressKind.MESSENGER,
        PAGE_ID,
    )
    assert first.metadata["kind"] == "message"
    assert quick.metadata["quick_reply_payload"] == "REFUND"
    assert with_image.thread.in_reply_to == "m_page-0"
    assert [a.url for a in with_image.attachments] == ["https://scontent.xx.fbcdn.net/v/broken.jpg"]
    [read] = parsed.statuses
    assert (read.status, read.recipient, read.channel) == (DeliveryStatus.DELIVERED, PSID_MINH, Channel.MESSENGER)
    assert read.watermark == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
    assert parsed.skipped == 1  # the echo


def test_corpus_messenger_text_and_image() -> None:
    [text] = parse(corpus_json("messenger", "wsTextMessageRequest.json")).messages
    assert (text.text, text.provider_message_id, text.sender.address) == (
        "hello, world!",
        "mid.1457764197618:41d102a3e1ae206a38",
        "USER_ID",
    )
    [image] = parse(corpus_json("messenger", "wsStructuredMessageRequest.json")).messages
    # The corpus' placeholder is no http(s) link: the attachment is kept without it, saying why.
    assert (image.text, [(a.url, a.url_refused) for a in image.attachments]) == (
        "",
        [(None, "only http and https links are kept")],
    )


def test_corpus_messenger_delivery_is_a_status_and_optin_is_skipped() -> None:
    delivery = parse(corpus_json("messenger", "wsDeliveryRequest.json"))
    assert delivery.messages == ()
    [status] = delivery.statuses
    assert status.provider_message_ids == ("mid.1458668856218:ed81099e15d3f4f233",)
    optin = parse(corpus_json("messenger", "wsAuthRequest.json"))
    assert (optin.messages, optin.statuses, optin.skipped) == ((), (), 1)


def test_corpus_messenger_postback_is_what_the_customer_chose() -> None:
    [postback] = parse(corpus_json("messenger", "wsPostbackRequest.json")).messages
    assert postback.text == "USER_DEFINED_PAYLOAD"
    assert postback.metadata["kind"] == "postback"
    assert postback.provider_message_id == "postback:USER_ID:1458692752478"


def test_instagram_message_with_a_story_reply_and_a_deleted_message() -> None:
    parsed = parse(instagram_dm())
    [message] = parsed.messages
    assert (message.channel, message.sender.kind, message.sender.address, message.recipient) == (
        Channel.INSTAGRAM,
        AddressKind.INSTAGRAM,
        IGSID,
        IG_ACCOUNT,
    )
    assert message.text == "Áo nhận được sai size, đổi giúp mình với"
    assert message.metadata["story"]["id"] == "1790"
    assert parsed.skipped == 1


def test_public_posts_are_skipped_unless_enabled() -> None:
    assert parse(page_feed_comment()).messages == ()
    assert parse(instagram_comment()).messages == ()


def test_a_page_comment_is_a_social_post_on_messenger() -> None:
    [post] = parse(page_feed_comment(), public_posts=True).messages
    assert (post.channel, post.metadata["kind"], post.metadata["platform"]) == (
        Channel.MESSENGER,
        "social_post",
        "facebook",
    )
    assert post.text == "Shop lừa đảo, đặt hàng 2 tuần chưa thấy giao!"
    assert post.sender.display_name == "Trần Thị Hoa"
    assert post.provider_message_id == "feed:900001_700002"
    assert post.thread.conversation_id == "comment:900001_700002"


def test_edits_removals_and_the_pages_own_comments_are_not_posts() -> None:
    assert parse(page_feed_comment(verb="edited"), public_posts=True).messages == ()
    assert parse(page_feed_comment(author=PAGE_ID), public_posts=True).messages == ()


def test_an_instagram_comment_is_a_social_post_on_instagram() -> None:
    [comment] = parse(instagram_comment(), public_posts=True).messages
    assert (comment.channel, comment.sender.address, comment.sender.display_name) == (
        Channel.INSTAGRAM,
        IGSID,
        "hoa.tran",
    )
    assert comment.metadata["kind"] == "social_post"
    assert comment.thread.conversation_id == "comment:18000000000000099"


def test_unknown_objects_and_fields_are_skipped_and_garbage_is_refused() -> None:
    assert parse({"object": "permissions", "entry": [{"id": "1", "changes": []}]}).skipped == 1
    with pytest.raises(NotUnderstood):
        parse([1, 2])
    with pytest.raises(NotUnderstood):
        parse({"object": "page"})
