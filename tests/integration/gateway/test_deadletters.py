"""Dead letters: kept once each, listed newest first, and replayed to their source topic byte for byte."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from aiokafka import ConsumerRecord
from fastapi import FastAPI

from services.gateway.handlers import on_dead_letter
from shared import topics
from shared.bus import ensure_topics
from shared.cloudevents import CloudEvent
from shared.consumer import dead_letter
from shared.events import DeadLetterRecorded, payload_as
from tests.integration.gateway.support import gateway_settings, read_records, running_gateway
from tests.support.polling import eventually

BINARY_VALUE = b"\x00\xff\xfenot an event"
HEADERS = [("content-type", b"application/cloudevents+json"), ("x-raw", b"\xe9\x00")]


def poison(*, topic: str = topics.CASES_EVENTS, offset: int = 7, value: bytes = BINARY_VALUE) -> ConsumerRecord:
    return ConsumerRecord(
        topic=topic,
        partition=1,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"case-9",
        value=value,
        checksum=None,
        serialized_key_size=6,
        serialized_value_size=len(value),
        headers=HEADERS,
    )


def letter_for(record: ConsumerRecord, *, failed_at: datetime | None = None) -> CloudEvent:
    letter = dead_letter(record, reason="not a CloudEvents JSON envelope", consumer_group="router_service")
    if failed_at is None:
        return letter
    return letter.model_copy(update={"data": {**letter.data, "failed_at": failed_at.isoformat()}})


async def store(app: FastAPI, *letters: CloudEvent) -> None:
    """Apply letters as the consumer would, one transaction each."""
    for letter in letters:
        async with app.state.runtime.sessions() as session, session.begin():
            await on_dead_letter(session, letter, payload_as(letter, DeadLetterRecorded))


@pytest.fixture
async def offline(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_gateway(gateway_settings(migrated_url, closed_bootstrap)) as running:
        yield running


async def test_a_redelivered_letter_is_kept_once(offline: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = offline
    letter = letter_for(poison())
    await store(app, letter, letter)
    page = (await client.get("/v1/deadletters")).json()
    assert page["total"] == 1
    item = page["items"][0]
    assert (item["id"], item["source_topic"], item["partition"], item["offset"]) == (letter.id, "cases.events.v1", 1, 7)
    assert (item["consumer_group"], item["key"], item["value_encoding"]) == ("router_service", "case-9", "base64")
    assert item["reason"] == "not a CloudEvents JSON envelope"
    assert item["headers"] == [["content-type", "application/cloudevents+json"], ["x-raw", "\xe9\x00"]]
    assert (item["replayed_at"], item["replay_count"]) == (None, 0)


async def test_letters_are_listed_newest_first_and_filtered(offline: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = offline
    start = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
    oldest, middle, newest = (letter_for(poison(offset=n), failed_at=start + timedelta(minutes=n)) for n in range(3))
    # Sent with a +07:00 offset: its wall-clock time is the latest of all, its instant the earliest.
    earliest = (start - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=7)))
    inbound = letter_for(poison(topic=topics.COMPLAINTS_INBOUND, value=b"{not json"), failed_at=earliest)
    await store(app, middle, inbound, newest, oldest)

    everything = (await client.get("/v1/deadletters")).json()
    assert [item["id"] for item in everything["items"]] == [newest.id, middle.id, oldest.id, inbound.id]
    assert everything["total"] == 4
    second_page = (await client.get("/v1/deadletters", params={"limit": 1, "offset": 1})).json()
    assert [item["id"] for item in second_page["items"]] == [middle.id]
    assert (second_page["limit"], second_page["offset"], second_page["total"]) == (1, 1, 4)
    filtered = (await client.get("/v1/deadletters", params={"source_topic": topics.COMPLAINTS_INBOUND})).json()
    assert [item["id"] for item in filtered["items"]] == [inbound.id]
    assert filtered["items"][0]["value"] == "{not json"
    assert filtered["items"][0]["value_encoding"] == "utf-8"
    assert filtered["items"][0]["failed_at"] == "2024-11-24T07:59:00Z"

    one = await client.get(f"/v1/deadletters/{middle.id}")
    assert one.status_code == 200
    assert one.json()["offset"] == 1
    stats = (await client.get("/v1/deadletters/stats")).json()
    assert stats["total"] == 4
    assert stats["by_source"] == [
        {"source_topic": "cases.events.v1", "consumer_group": "router_service", "count": 3, "not_replayed": 3},
        {"source_topic": "complaints.inbound.v1", "consumer_group": "router_service", "count": 1, "not_replayed": 1},
    ]
    assert (await client.get("/v1/deadletters", params={"limit": 0})).status_code == 422


async def test_unknown_letters_are_not_found(offline: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = offline
    for response in (await client.get("/v1/deadletters/nope"), await client.post("/v1/deadletters/nope/replay")):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/dead-letter-not-found")


async def test_a_letter_from_a_channel_service_s_intake_is_not_replayed_to_a_topic_that_never_held_it(
    offline: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = offline
    letter = letter_for(poison(topic="ingest_email.smtp"))
    await store(app, letter)

    response = await client.post(f"/v1/deadletters/{letter.id}/replay")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/dead-letter-unreplayable")
    assert "/v1/mime" in response.json()["detail"]
    stored = (await client.get(f"/v1/deadletters/{letter.id}")).json()
    assert (stored["replayed_at"], stored["replay_count"]) == (None, 0)


async def test_replay_while_the_broker_is_down_is_refused_and_leaves_the_letter_unreplayed(
    offline: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = offline
    letter = letter_for(poison())
    await store(app, letter)
    response = await client.post(f"/v1/deadletters/{letter.id}/replay")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/broker-unavailable")
    assert "retry-after" in response.headers
    stored = (await client.get(f"/v1/deadletters/{letter.id}")).json()
    assert (stored["replayed_at"], stored["replay_count"]) == (None, 0)


async def test_dead_letter_is_consumed_listed_and_replayed_byte_for_byte(migrated_url: str, broker: str) -> None:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=2)
    async with running_gateway(gateway_settings(migrated_url, broker), consume=True) as (app, client):
        record = poison()
        first, again = letter_for(record), letter_for(record)  # the record failed, was replayed, failed again
        bus = app.state.runtime.bus
        for letter in (first, first, again):  # `first` delivered twice; one key keeps them in order
            await bus.publish(topics.DEADLETTER, letter, key=letter.subject)

        async def listed() -> dict[str, object] | None:
            page = (await client.get("/v1/deadletters")).json()
            return page if again.id in {item["id"] for item in page["items"]} else None

        page = await eventually(listed, what="the dead letters in GET /v1/deadletters")
        assert page["total"] == 2

        for count in (1, 2):  # replaying twice is allowed
            replayed = await client.post(f"/v1/deadletters/{first.id}/replay")
            assert replayed.status_code == 200
            assert replayed.json()["replay_count"] == count
            assert replayed.json()["replayed_at"] is not None

        records = await read_records(broker, topics.CASES_EVENTS, until=lambda r: len(r) >= 2, what="the replays")
        assert records == [(b"case-9", BINARY_VALUE, HEADERS)] * 2
        unreplayed = (await client.get(f"/v1/deadletters/{again.id}")).json()
        assert unreplayed["replay_count"] == 0
