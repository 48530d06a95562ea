"""WhatsApp Cloud API bodies, over every capture in the corpus and samples with Vietnamese numbers and text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_social.meta.normalize import normalize
from ingest_social.parsed import Parsed
from shared.events import AddressKind, Channel, DeliveryStatus
from tests.unit.ingest_social.samples import CORPUS, PHONE_NUMBER_ID, corpus_json, whatsapp_status, whatsapp_text

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
WHATSAPP = sorted((CORPUS / "whatsapp-cloud-api").glob("*.json"))


def parse(document: object) -> Parsed:
    return normalize(document, received_at=NOW, public_posts=False, default_region="VN")


def test_the_corpus_is_there() -> None:
    assert len(WHATSAPP) >= 40


@pytest.mark.parametrize("path", WHATSAPP, ids=lambda p: p.stem)
def test_every_corpus_body_parses_and_nothing_but_messages_becomes_a_complaint(path: Path) -> None:
    parsed = parse(corpus_json("whatsapp-cloud-api", path.name))
    kind = path.stem.split("__")[0]
    if kind in ("message_status", "call_status", "call_connect", "user_marketing_preferences", "system"):
        assert parsed.messages == ()
    if kind == "deleted_message" or path.stem in ("message__reaction",) or path.stem.startswith("message__unreaction"):
        assert parsed.messages == ()
    for message in parsed.messages:
        assert message.channel is Channel.WHATSAPP and message.sender.kind is AddressKind.WHATSAPP
        assert message.provider_message_id.startswith("wamid.")


def test_a_text_from_a_vietnamese_number_is_an_e164_whatsapp_sender_with_our_number_as_recipient() -> None:
    [message] = parse(whatsapp_text("wamid.VN1", "Tôi bị trừ tiền 2 lần", timestamp=1764000000)).messages
    assert (message.sender.address, message.sender.display_name, message.sender.valid) == (
        "+84912345678",
        "Nguyễn Văn An",
        True,
    )
    assert (message.recipient, message.text, message.provider_message_id) == (
        PHONE_NUMBER_ID,
        "Tôi bị trừ tiền 2 lần",
        "wamid.VN1",
    )
    assert message.metadata["sent_at"] == "2025-11-24T16:00:00+00:00"


def test_corpus_text_reply_and_media() -> None:
    [text] = parse(corpus_json("whatsapp-cloud-api", "message__text.json")).messages
    assert (text.text, text.sender.address, text.sender.display_name) == ("Body Text", "+972987654321", "Test Name")
    [reply] = parse(corpus_json("whatsapp-cloud-api", "message__reply.json")).messages
    assert reply.thread.in_reply_to == "wamid.xyzxyz=="
    [document] = parse(corpus_json("whatsapp-cloud-api", "message__document.json")).messages
    assert (document.text, document.attachments[0].filename, document.attachments[0].content_type) == (
        "caption",
        "filename.pdf",
        "application/pdf",
    )
    assert document.metadata["forwarded"] == "once"


def test_corpus_location_and_interactive_replies_are_in_words() -> None:
    [location] = parse(corpus_json("whatsapp-cloud-api", "message__current_location.json")).messages
    assert location.text == "Location: 12.25089, 43.90539"
    [button] = parse(corpus_json("whatsapp-cloud-api", "callback_button__button.json")).messages
    assert (button.text, button.metadata["reply_id"]) == ("title", "callback_data")
    [listed] = parse(corpus_json("whatsapp-cloud-api", "callback_selection__description.json")).messages
    assert listed.text == "title - description"


def test_corpus_edit_is_a_new_message_pointing_at_the_original() -> None:
    [edit] = parse(corpus_json("whatsapp-cloud-api", "edited_message__image.json")).messages
    assert edit.metadata["kind"] == "edited_message"
    assert edit.metadata["edited_message_id"].startswith("wamid.HBgLMTQxMjU1")
    assert edit.text == "Updated image caption"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("message_status__delivered.json", DeliveryStatus.DELIVERED),
        ("message_status__read.json", DeliveryStatus.DELIVERED),
        ("message_status__failed.json", DeliveryStatus.FAILED),
    ],
)
def test_corpus_statuses_are_delivery_news(name: str, status: DeliveryStatus) -> None:
    [update] = parse(corpus_json("whatsapp-cloud-api", name)).statuses
    assert update.status is status
    if status is DeliveryStatus.FAILED:
        assert update.error is not None and "130472" in update.error


def test_sent_status_is_not_news_and_a_failed_one_says_why() -> None:
    assert parse(whatsapp_status("wamid.OUT", "sent", timestamp=1)).statuses == ()
    [failed] = parse(whatsapp_status("wamid.OUT", "failed", timestamp=1)).statuses
    assert failed.provider_message_ids == ("wamid.OUT",)
    assert failed.error == "WhatsApp error 131047: Message failed to send because more than 24 hours have passed"


def test_a_batch_of_entries_is_one_event_each() -> None:
    first = whatsapp_text("wamid.A", "Một", timestamp=1)
    second = whatsapp_text("wamid.B", "Hai", timestamp=2, wa_id="84987654321", name="Lê Thị Bình")
    first["entry"].extend(second["entry"])
    first["entry"][0]["changes"][0]["value"]["statuses"] = [{"id": "wamid.OURS", "status": "delivered"}]
    parsed = parse(first)
    assert [(m.provider_message_id, m.sender.address) for m in parsed.messages] == [
        ("wamid.A", "+84912345678"),
        ("wamid.B", "+84987654321"),
    ]
    assert [s.provider_message_ids for s in parsed.statuses] == [("wamid.OURS",)]
