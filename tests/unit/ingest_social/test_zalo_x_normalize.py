"""Zalo OA events and X direct messages (no captures exist in the corpus: samples from the platforms' docs)."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest_social.x.normalize import normalize as normalize_x
from ingest_social.zalo.normalize import normalize as normalize_zalo
from shared.events import AddressKind, Channel, DeliveryStatus
from tests.unit.ingest_social.samples import (
    X_ACCOUNT,
    X_USER,
    ZALO_OA_ID,
    ZALO_USER,
    x_direct_message,
    zalo_body,
    zalo_event,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_zalo_text_keeps_large_ids_as_text() -> None:
    event = zalo_event("user_send_text", {"msg_id": "a1b2c3", "text": "Giao hàng chậm quá, tôi muốn huỷ đơn"})
    [message] = normalize_zalo(event, received_at=NOW).messages
    assert (message.channel, message.sender.kind, message.sender.address, message.recipient) == (
        Channel.ZALO,
        AddressKind.ZALO,
        ZALO_USER,
        ZALO_OA_ID,
    )
    assert (message.provider_message_id, message.text) == ("a1b2c3", "Giao hàng chậm quá, tôi muốn huỷ đơn")


def test_zalo_numeric_ids_beyond_2_53_survive_parsing() -> None:
    import json

    raw = zalo_body(zalo_event("user_send_text", {"msg_id": "m", "text": "x"})).replace(
        f'"{ZALO_USER}"'.encode(), ZALO_USER.encode()
    )
    [message] = normalize_zalo(json.loads(raw), received_at=NOW).messages
    assert message.sender.address == ZALO_USER


def test_zalo_image_file_sticker_link_and_location() -> None:
    image = zalo_event(
        "user_send_image",
        {
            "msg_id": "img1",
            "text": "Hàng bị móp",
            "attachments": [{"type": "image", "payload": {"thumbnail": "https://t/1", "url": "https://z/1.jpg"}}],
        },
    )
    [with_image] = normalize_zalo(image, received_at=NOW).messages
    assert (with_image.text, [a.url for a in with_image.attachments]) == ("Hàng bị móp", ["https://z/1.jpg"])
    file = zalo_event(
        "user_send_file",
        {
            "msg_id": "f1",
            "attachments": [
                {"type": "file", "payload": {"url": "https://z/hd.pdf", "size": "2048", "name": "hoá đơn.pdf"}}
            ],
        },
    )
    [with_file] = normalize_zalo(file, received_at=NOW).messages
    assert (with_file.attachments[0].filename, with_file.attachments[0].size) == ("hoá đơn.pdf", 2048)
    sticker = zalo_event(
        "user_send_sticker",
        {"msg_id": "s1", "attachments": [{"type": "sticker", "payload": {"id": "9", "url": "https://z/s"}}]},
    )
    [with_sticker] = normalize_zalo(sticker, received_at=NOW).messages
    assert with_sticker.attachments[0].url == "https://z/s"
    link = zalo_event(
        "user_send_link",
        {
            "msg_id": "l1",
            "attachments": [{"type": "link", "payload": {"description": "Đơn hàng", "url": "https://shop/o/1"}}],
        },
    )
    assert normalize_zalo(link, received_at=NOW).messages[0].text == "Đơn hàng https://shop/o/1"
    location = zalo_event(
        "user_send_location",
        {
            "msg_id": "loc1",
            "attachments": [
                {"type": "location", "payload": {"coordinates": {"latitude": "10.77", "longitude": "106.70"}}}
            ],
        },
    )
    assert normalize_zalo(location, received_at=NOW).messages[0].text == "Location: 10.77, 106.70"


def test_zalo_receipts_are_delivery_news_and_follows_are_skipped() -> None:
    received = zalo_event("user_received_message", {"msg_ids": ["out-1", "out-2"]})
    received["sender"], received["recipient"] = {"id": ZALO_OA_ID}, {"id": ZALO_USER}
    [update] = normalize_zalo(received, received_at=NOW).statuses
    assert (update.status, update.provider_message_ids, update.recipient) == (
        DeliveryStatus.DELIVERED,
        ("out-1", "out-2"),
        ZALO_USER,
    )
    assert normalize_zalo(zalo_event("follow", {}), received_at=NOW).skipped == 1
    assert normalize_zalo(zalo_event("oa_send_text", {"msg_id": "o", "text": "x"}), received_at=NOW).skipped == 1


def test_x_direct_message() -> None:
    [message] = normalize_x(x_direct_message("1590000000000000001", "Tài khoản bị khoá oan"), received_at=NOW).messages
    assert (message.channel, message.sender.kind, message.sender.address, message.recipient) == (
        Channel.X,
        AddressKind.X,
        X_USER,
        X_ACCOUNT,
    )
    assert (message.provider_message_id, message.text, message.sender.display_name) == (
        "1590000000000000001",
        "Tài khoản bị khoá oan",
        "Hoàng Minh",
    )
    assert message.metadata["screen_name"] == "hoangminh"


def test_x_our_own_dms_and_indicators_are_skipped() -> None:
    ours = normalize_x(x_direct_message("1", "Chúng tôi đã nhận", sender=X_ACCOUNT), received_at=NOW)
    assert (ours.messages, ours.skipped) == ((), 1)
    typing = normalize_x(
        {"for_user_id": X_ACCOUNT, "direct_message_indicate_typing_events": [{"sender_id": X_USER}]}, received_at=NOW
    )
    assert (typing.messages, typing.skipped) == ((), 1)


def test_x_media_link_is_not_part_of_the_text() -> None:
    body = x_direct_message("2", "Ảnh đây https://t.co/abc")
    data = body["direct_message_events"][0]["message_create"]["message_data"]
    data["entities"]["urls"] = [{"url": "https://t.co/abc"}]
    data["attachment"] = {
        "type": "media",
        "media": {"url": "https://t.co/abc", "media_url_https": "https://ton/1.jpg", "type": "photo"},
    }
    [message] = normalize_x(body, received_at=NOW).messages
    assert (message.text, message.attachments[0].url) == ("Ảnh đây", "https://ton/1.jpg")
