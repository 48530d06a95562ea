"""POST /v1/messages against the real broker: what an integrator sends ends up on complaints.inbound.v1, once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.gateway.models import outbox
from shared import topics
from shared.bus import ensure_topics
from shared.cloudevents import CloudEvent, decode
from tests.integration.gateway.support import Record, gateway_settings, read_records, running_gateway
from tests.support import broker as broker_support

MESSAGE = {
    "channel": "sms",
    "sender_address": "0903 123 456",
    "sender_name": "Minh",
    "text": "Đơn hàng của tôi đã trễ hai tuần",
    "language": "vi",
}


@pytest.fixture
async def gateway(migrated_url: str, broker: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=2)
    async with running_gateway(gateway_settings(migrated_url, broker)) as running:
        yield running


def events(records: list[Record]) -> list[CloudEvent]:
    return [decode(value) for _, value, _ in records]


def has_event(event_id: str) -> Callable[[list[Record]], bool]:
    return lambda records: any(event.id == event_id for event in events(records))


async def test_accepted_message_is_published_with_the_normalized_sender(
    gateway: tuple[FastAPI, httpx.AsyncClient], broker: str
) -> None:
    _, client = gateway
    response = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "order-1234"})
    assert response.status_code == 202
    assert response.json() == {"event_id": response.json()["event_id"], "status": "accepted"}
    assert "location" not in response.headers
    event_id = response.json()["event_id"]

    records = await read_records(broker, topics.COMPLAINTS_INBOUND, until=has_event(event_id), what="the event")
    key, value, _ = next(record for record in records if decode(record[1]).id == event_id)
    event = decode(value)
    assert event.type == "complaint.message.received.v1"
    assert key == b"+84903123456"
    assert event.data["sender"]["address"] == "+84903123456"
    assert event.data["sender"]["kind"] == "phone"
    assert event.data["sender"]["display_name"] == "Minh"
    assert event.data["provider"] == "gateway"
    assert event.data["provider_message_id"] == "idem:order-1234"
    assert event.data["text"] == MESSAGE["text"]


async def test_same_key_twice_is_one_event_on_the_topic(
    gateway: tuple[FastAPI, httpx.AsyncClient], broker: str, migrated_url: str
) -> None:
    app, client = gateway
    first = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "retry-me"})
    reordered = dict(reversed(list(MESSAGE.items())))
    again = await client.post("/v1/messages", json=reordered, headers={"Idempotency-Key": "retry-me"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["event_id"] == first.json()["event_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers

    # A later message from the same sender shares the partition: once it is read, anything before it has been too.
    marker = await client.post("/v1/messages", json={**MESSAGE, "text": "later"}, headers={"Idempotency-Key": "next"})
    records = await read_records(
        broker, topics.COMPLAINTS_INBOUND, until=has_event(marker.json()["event_id"]), what="the later message"
    )
    assert [event.id for event in events(records)] == [first.json()["event_id"], marker.json()["event_id"]]
    async with app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(outbox)) == 2


async def test_complaint_accepted_while_the_broker_is_down_is_published_when_it_is_back(
    migrated_url: str, closed_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with AsyncExitStack() as stack:
        # Exits run last-in first-out: the broker, started later, must stop after the gateway that is connected to it.
        broker_slot = AsyncExitStack()
        stack.push_async_exit(broker_slot)
        _, client = await stack.enter_async_context(running_gateway(gateway_settings(migrated_url, closed_bootstrap)))
        response = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "while-down"})
        assert response.status_code == 202
        assert (await client.get("/readyz")).status_code == 503

        # The broker comes back where the gateway expects it.
        port = int(closed_bootstrap.rsplit(":", 1)[1])
        monkeypatch.setattr(broker_support, "free_port", lambda: port)
        bootstrap = await broker_slot.enter_async_context(broker_support.running_broker())
        await ensure_topics(bootstrap, topics.ALL_TOPICS, partitions=2)
        event_id = response.json()["event_id"]
        records = await read_records(
            bootstrap, topics.COMPLAINTS_INBOUND, until=has_event(event_id), what="the spooled complaint"
        )
        assert [event.id for event in events(records)] == [event_id]
