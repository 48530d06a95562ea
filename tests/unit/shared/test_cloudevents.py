"""The CloudEvents envelope and the event payload models."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.cloudevents import CloudEvent, UnknownEventType, decode, new_event
from shared.events import (
    EVENT_TYPES,
    AddressKind,
    CaseAssigned,
    CaseOpened,
    Channel,
    ComplaintMessageReceived,
    Priority,
    Sender,
    ThreadRefs,
    payload,
    payload_as,
)


def received() -> ComplaintMessageReceived:
    return ComplaintMessageReceived(
        channel=Channel.EMAIL,
        provider="smtp",
        provider_message_id="<abc@mail.example>",
        received_at=datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
        sender=Sender(kind=AddressKind.EMAIL, address="minh@example.com", raw="Minh@Example.com", display_name="Minh"),
        subject="Giao hàng chậm",
        text="Đơn hàng của tôi đã trễ hai tuần",
        thread=ThreadRefs(message_id="<abc@mail.example>", references=("<x@y>", "<z@y>")),
    )


def test_envelope_round_trips_through_json_bytes():
    event = new_event(received(), source="ingest_email", subject="minh@example.com", correlation_id="corr-1")
    decoded = decode(event.to_json_bytes())
    assert decoded == event
    assert payload(decoded) == received()


def test_envelope_has_cloudevents_attributes_and_extensions():
    event = new_event(received(), source="ingest_email", correlation_id="corr-1", traceparent="00-ab-cd-01")
    body = json.loads(event.to_json_bytes())
    assert body["specversion"] == "1.0"
    assert body["type"] == "complaint.message.received.v1"
    assert body["datacontenttype"] == "application/json"
    assert {"id", "source", "time", "data", "tenant", "correlationid", "traceparent"} <= body.keys()


def test_unknown_fields_are_tolerated_in_envelope_and_payload():
    event = new_event(received(), source="ingest_email")
    body = json.loads(event.to_json_bytes())
    body["newextension"] = "from a newer producer"
    body["data"]["sentiment"] = "angry"
    body["data"]["sender"]["avatar_url"] = "https://example.com/a.png"
    decoded = decode(json.dumps(body))
    assert decoded.model_extra == {"newextension": "from a newer producer"}
    assert payload(decoded) == received()


def test_models_are_frozen():
    data = received()
    with pytest.raises(ValidationError):
        data.text = "changed"  # type: ignore[misc]


def test_invalid_payload_names_the_field():
    event = new_event(received(), source="x").model_copy(update={"data": {**received().model_dump(mode="json")}})
    broken = event.model_copy(update={"data": {**event.data, "channel": "carrier-pigeon"}})
    with pytest.raises(ValidationError) as info:
        payload(broken)
    assert info.value.errors()[0]["loc"] == ("channel",)


def test_not_an_envelope_is_rejected():
    with pytest.raises(ValidationError):
        decode(b'{"hello": "world"}')
    with pytest.raises(ValidationError):
        decode(b"\xff\xfe not json")


def test_unknown_type_is_reported_not_guessed():
    event = CloudEvent(id="1", source="s", type="case.teleported.v1", time=datetime.now(UTC), data={})
    with pytest.raises(UnknownEventType):
        payload(event)


def test_payload_as_checks_the_type():
    event = new_event(CaseAssigned(case_id="c", agent_id="a", assigned_at=datetime.now(UTC)), source="router")
    assert payload_as(event, CaseAssigned).agent_id == "a"
    with pytest.raises(UnknownEventType):
        payload_as(event, CaseOpened)


def test_every_event_type_is_versioned_and_registered():
    types = EVENT_TYPES
    assert {
        "complaint.message.received.v1",
        "case.opened.v1",
        "case.message_added.v1",
        "case.assigned.v1",
        "deadletter.recorded.v1",
    } <= types.keys()
    assert all(name.rsplit(".", 1)[-1].startswith("v") for name in types)


def test_priority_and_channel_values_are_stable_strings():
    opened = CaseOpened(
        case_id="c1",
        case_reference="C-2026-000001",
        customer_id="u1",
        channel=Channel.ZALO,
        category="general",
        priority=Priority.URGENT,
        message_id="m1",
        opened_at=datetime.now(UTC),
    )
    dumped = opened.model_dump(mode="json")
    assert dumped["channel"] == "zalo" and dumped["priority"] == "urgent"
