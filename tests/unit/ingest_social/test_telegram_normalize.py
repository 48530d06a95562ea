"""Telegram updates over every sample of Telegram's own webhook guide, and Vietnamese text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_social.parsed import Parsed
from ingest_social.telegram.normalize import normalize
from shared.events import AddressKind, Channel
from tests.unit.ingest_social.samples import CORPUS, corpus_json, telegram_text

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TELEGRAM = sorted((CORPUS / "telegram").glob("*.json"))


def parse(document: object) -> Parsed:
    return normalize(document, received_at=NOW)


@pytest.mark.parametrize("path", TELEGRAM, ids=lambda p: p.stem)
def test_every_guide_sample_parses(path: Path) -> None:
    parsed = parse(corpus_json("telegram", path.name))
    if "inline" in path.stem:
        assert parsed.messages == ()
    else:
        [message] = parsed.messages
        assert (message.channel, message.sender.kind, message.sender.address) == (
            Channel.TELEGRAM,
            AddressKind.TELEGRAM,
            "1111111",
        )


def test_a_message_is_keyed_by_chat_and_message_id_and_its_chat_is_the_conversation() -> None:
    [message] = parse(telegram_text(900001, 42, "Tôi chưa nhận được mã giảm giá")).messages
    assert (message.provider_message_id, message.thread.conversation_id, message.text) == (
        "123456789:42",
        "123456789",
        "Tôi chưa nhận được mã giảm giá",
    )
    assert message.sender.display_name == "Lan Phạm"


def test_an_edit_is_its_own_event_naming_the_original() -> None:
    [edit] = parse(corpus_json("telegram", "06_edited_message.json")).messages
    assert edit.provider_message_id == "1111111:1365:edited:1441646600"
    assert (edit.metadata["kind"], edit.metadata["edited_message_id"], edit.text) == (
        "edited_message",
        "1111111:1365",
        "Edited text",
    )


def test_a_callback_query_is_keyed_by_its_update() -> None:
    [pressed] = parse(corpus_json("telegram", "13_callback_query.json")).messages
    assert (pressed.provider_message_id, pressed.text, pressed.metadata["kind"]) == (
        "callback:10000",
        "Data from button callback",
        "callback_query",
    )


def test_a_document_and_a_reply() -> None:
    [document] = parse(corpus_json("telegram", "10_message_with_document.json")).messages
    [attachment] = document.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "Testfile.pdf",
        "application/pdf",
        536392,
    )
    assert document.metadata["file_ids"] == ["AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"]
    [reply] = parse(corpus_json("telegram", "05_message_with_reply.json")).messages
    assert reply.thread.in_reply_to is not None and reply.thread.in_reply_to.startswith("1111111:")


def test_bots_and_channel_posts_are_skipped() -> None:
    update = telegram_text(1, 1, "hi")
    update["message"]["from"]["is_bot"] = True
    assert parse(update).messages == ()
    assert parse({"update_id": 2, "channel_post": {"message_id": 1, "chat": {"id": -100}}}).skipped == 1
