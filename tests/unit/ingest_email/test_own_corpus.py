"""Our own corpus (tests/data/email): each message becomes the expected event, or a dead letter with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_email.normalize import Normalized, Rejected, normalize
from shared.events import DeliveryStatus

DATA = Path(__file__).resolve().parents[2] / "data" / "email"
VI = "Tôi đã đặt hàng nhưng chưa nhận được. Xin hãy kiểm tra giúp tôi."


def read(name: str) -> Normalized:
    raw = (DATA / name).read_bytes()
    return normalize(raw, provider="smtp", received_at=datetime.now(UTC), our_domains={"example.com"})


@pytest.mark.parametrize(
    ("name", "subject", "text", "language"),
    [
        ("alternative.eml", "Alternative parts", VI, "vi"),
        ("windows_1258.eml", "Khiếu nại", VI, "vi"),
        ("viscii.eml", "Khiếu nại", VI, "vi"),
        ("mislabeled_utf8_as_ascii.eml", "Mislabeled", VI, "vi"),
        ("eight_bit_headers.eml", "Hàng bị vỡ", "Hộp bị móp.", "vi"),
        ("iso_2022_jp.eml", "お問い合わせ", "注文した商品が届きません。", "ja"),
        ("koi8_r.eml", "Жалоба", "Заказ не доставлен.", "ru"),
        ("gb2312.eml", "投诉", "我的订单没有送到。", "zh"),
        ("html_only.eml", "HTML only", "Xin chào,\n\nĐơn hàng bị trễ.", "vi"),
    ],
)
def test_every_charset_decodes_to_the_words_the_customer_wrote(
    name: str, subject: str, text: str, language: str
) -> None:
    data = read(name).data
    assert (data.subject, data.text, data.language) == (subject, text, language)
    assert data.metadata.get("charset_fallback") is None


def test_html_is_sanitized_and_its_quoted_history_left_in_the_full_text_only() -> None:
    data = read("html_only.eml").data
    assert data.html is not None and "<script" not in data.html
    assert "> old" in data.metadata["full_text"] and "old" not in data.text
    assert "<script" not in (read("alternative.eml").data.html or "")


def test_an_unknown_charset_falls_back_without_losing_the_message() -> None:
    data = read("unknown_charset.eml").data
    assert data.text.startswith("Hàng") and data.metadata["charset_fallback"] is True


def test_eight_bit_headers_give_the_display_name() -> None:
    assert read("eight_bit_headers.eml").data.sender.display_name == "Trần Thị Bình"
    assert read("iso_2022_jp.eml").data.sender.display_name == "山田太郎"


def test_attachments_are_described_by_hash_size_type_and_inline_images_by_content_id() -> None:
    normalized = read("attachments_and_inline_image.eml")
    photo, invoice = normalized.data.attachments
    assert (photo.content_type, photo.content_id, photo.filename) == ("image/png", "photo1@khach.vn", "photo.png")
    assert (invoice.filename, invoice.content_type, invoice.size) == ("hóa đơn.pdf", "application/pdf", 16)
    assert invoice.sha256 == normalized.blobs[1].sha256 and len(invoice.sha256 or "") == 64
    assert 'src="cid:photo1@khach.vn"' in (normalized.data.html or "")
    [refused] = normalized.data.metadata["attachments_refused"]
    assert (refused["filename"], refused["reason"]) == ("setup.exe", "a type that is not accepted")


def test_a_nested_forward_keeps_the_senders_words_and_the_forwarded_mail_as_an_attachment() -> None:
    data = read("nested_forward.eml").data
    assert data.text == "Please look at this thread."
    [forwarded] = data.metadata["forwarded"]
    assert forwarded["message_id"] == "<middle-1@khach.vn>"
    [enclosed] = data.attachments
    assert enclosed.content_type == "message/rfc822"


def test_a_missing_message_id_gets_a_stable_key_from_the_bytes() -> None:
    first, second = read("missing_message_id.eml").data, read("missing_message_id.eml").data
    assert first.provider_message_id.startswith("sha256:") and first.thread.message_id is None
    assert first.provider_message_id == second.provider_message_id
    assert first.metadata["message_id_missing"] is True


def test_a_mail_without_any_sender_is_rejected_with_the_reason() -> None:
    with pytest.raises(Rejected, match="no sender address"):
        read("missing_from.eml")


def test_an_auto_reply_is_flagged_automated() -> None:
    data = read("auto_reply.eml").data
    assert data.auto_submitted and data.metadata["automated"].startswith("Auto-Submitted")


def test_a_bounce_names_our_outbound_message_and_the_failure() -> None:
    normalized = read("bounce.eml")
    assert normalized.data.auto_submitted
    assert normalized.bounce is not None
    assert normalized.bounce.outbound_ids == ("0b5e7c7a-4f0e-4d8e-9a53-2f6a1c3b9d10",)
    assert normalized.bounce.status is DeliveryStatus.FAILED
    assert "5.1.1" in (normalized.bounce.error or "")
