"""Request to event mapping, request fingerprints and dead-letter decoding: pure rules, no I/O."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from services.gateway import domain
from services.gateway.schemas import MessageRequest
from shared.events import AddressKind, Channel, ComplaintMessageReceived

NOW = datetime(2024, 11, 24, 8, 30, tzinfo=UTC)


def request(**fields: object) -> MessageRequest:
    body: dict[str, object] = {"channel": "web", "sender_address": "minh@example.com", "text": "Đơn hàng trễ"}
    body.update(fields)
    return MessageRequest.model_validate(body)


def event_for(message: MessageRequest, key: str = "key-1") -> ComplaintMessageReceived:
    return domain.to_event_data(message, idempotency_key=key, received_at=NOW, default_region="VN")


@pytest.mark.parametrize(
    ("channel", "address", "kind", "normalized"),
    [
        (Channel.EMAIL, " Minh@Example.COM ", AddressKind.EMAIL, "minh@example.com"),
        (Channel.SMS, "0903 123 456", AddressKind.PHONE, "+84903123456"),
        (Channel.PHONE, "+1 (415) 555-0100", AddressKind.PHONE, "+14155550100"),
        (Channel.WHATSAPP, "84903123456", AddressKind.WHATSAPP, "+84903123456"),
        (Channel.MESSENGER, "psid-123", AddressKind.MESSENGER, "psid-123"),
        (Channel.INSTAGRAM, "ig-9", AddressKind.INSTAGRAM, "ig-9"),
        (Channel.TELEGRAM, "777", AddressKind.TELEGRAM, "777"),
        (Channel.ZALO, "zalo-1", AddressKind.ZALO, "zalo-1"),
        (Channel.X, "x-42", AddressKind.X, "x-42"),
        (Channel.WEB, "Lan@Example.com", AddressKind.EMAIL, "lan@example.com"),
        (Channel.API, "090 312 3456", AddressKind.PHONE, "+84903123456"),
        (Channel.API, "crm-customer-17", AddressKind.EXTERNAL, "crm-customer-17"),
    ],
)
def test_sender_is_normalized_as_the_channel_says(
    channel: Channel, address: str, kind: AddressKind, normalized: str
) -> None:
    sender = event_for(request(channel=channel.value, sender_address=address)).sender
    assert (sender.kind, sender.address, sender.raw) == (kind, normalized, address)


def test_phone_numbers_use_the_default_region() -> None:
    sender = domain.normalize_sender(Channel.SMS, "(415) 555-0100", display_name=None, default_region="US")
    assert sender.address == "+14155550100"
    assert sender.valid


def test_an_unparseable_phone_number_is_kept_and_flagged() -> None:
    sender = domain.normalize_sender(Channel.SMS, "12", display_name="Lan", default_region="VN")
    assert (sender.address, sender.valid, sender.display_name) == ("12", False, "Lan")


def test_event_carries_the_request() -> None:
    data = event_for(
        request(sender_name="Minh", subject="Giao hàng", language="vi", customer_ref="C-9", external_id="ext-1")
    )
    assert data.provider == "gateway"
    assert data.channel is Channel.WEB
    assert data.received_at == NOW
    assert (data.sender.display_name, data.subject, data.text) == ("Minh", "Giao hàng", "Đơn hàng trễ")
    assert (data.language, data.customer_ref) == ("vi", "C-9")


def test_provider_message_id_is_the_external_id_when_given() -> None:
    assert event_for(request(external_id="ticket-77"), key="k-1").provider_message_id == "ticket-77"


def test_provider_message_id_falls_back_to_the_idempotency_key() -> None:
    assert event_for(request(), key="order-1234").provider_message_id == "idem:order-1234"


def test_same_body_has_the_same_fingerprint_whatever_the_key_order() -> None:
    one = MessageRequest.model_validate_json('{"channel": "sms", "sender_address": "0903123456", "text": "hi"}')
    other = MessageRequest.model_validate_json('{"text": "hi", "sender_address": "0903123456", "channel": "sms"}')
    assert domain.fingerprint(one) == domain.fingerprint(other)


def test_an_explicit_null_is_the_same_request_as_a_missing_field() -> None:
    assert domain.fingerprint(request(subject=None)) == domain.fingerprint(request())


def test_different_bodies_have_different_fingerprints() -> None:
    assert domain.fingerprint(request(text="one")) != domain.fingerprint(request(text="two"))


def test_fingerprint_is_sha256_of_canonical_json() -> None:
    assert domain.request_sha256({"b": 1, "a": "é"}) == domain.request_sha256(json.loads('{"a": "é", "b": 1}'))
    assert len(domain.request_sha256({})) == 64


def test_dead_letter_values_decode_back_to_the_original_bytes() -> None:
    raw = b"\x00\xffbinary"
    assert domain.record_value(base64.b64encode(raw).decode(), "base64") == raw
    assert domain.record_value("{not json", "utf-8") == b"{not json"
    assert domain.record_headers([["content-type", "caf\xe9"]]) == [("content-type", b"caf\xe9")]
    assert domain.record_key(None) is None


@pytest.mark.parametrize(("value", "encoding"), [("%%%", "base64"), ("x", "rot13")])
def test_undecodable_dead_letter_values_are_refused(value: str, encoding: str) -> None:
    with pytest.raises(domain.UnreplayableLetter):
        domain.record_value(value, encoding)
