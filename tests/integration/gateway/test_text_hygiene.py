"""A complaint whose text holds characters no database column can (a NUL, a lone surrogate) is accepted with them
cleaned, on SQLite and PostgreSQL: the case service downstream can then file it."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.handlers import on_dead_letter
from shared import topics
from shared.bus import ensure_topics
from shared.cloudevents import decode
from shared.events import DeadLetterRecorded, payload_as
from shared.ingest.deadletters import input_dead_letter
from tests.integration.gateway.support import gateway_settings, read_records, running_gateway
from tests.integration.gateway.test_messages import MESSAGE, has_event


@pytest.fixture
async def gateway(migrated_url: str, broker: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    async with running_gateway(gateway_settings(migrated_url, broker)) as running:
        yield running


async def test_a_complaint_with_nul_characters_is_accepted_without_them(
    gateway: tuple[FastAPI, httpx.AsyncClient], broker: str
) -> None:
    _, client = gateway
    body = {**MESSAGE, "text": "Đơn hàng\x00 trễ", "sender_name": "Minh\x00", "subject": "Trễ\x00 hàng"}

    response = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "nul-1"})

    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    records = await read_records(broker, topics.COMPLAINTS_INBOUND, until=has_event(event_id), what="the event")
    data = next(decode(value).data for _, value, _ in records if decode(value).id == event_id)
    assert (data["text"], data["sender"]["display_name"], data["subject"]) == ("Đơn hàng trễ", "Minh", "Trễ hàng")


async def test_a_lone_surrogate_in_raw_json_is_accepted_as_a_replacement_character(
    gateway: tuple[FastAPI, httpx.AsyncClient], broker: str
) -> None:
    _, client = gateway
    raw = b'{"channel": "sms", "sender_address": "0903 123 456", "text": "late \\ud800 order"}'

    response = await client.post(
        "/v1/messages", content=raw, headers={"Idempotency-Key": "surrogate-1", "content-type": "application/json"}
    )

    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    records = await read_records(broker, topics.COMPLAINTS_INBOUND, until=has_event(event_id), what="the event")
    data = next(decode(value).data for _, value, _ in records if decode(value).id == event_id)
    assert data["text"] == "late \ufffd order"


async def test_a_complaint_of_only_a_nul_is_refused_as_missing_text(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = gateway

    response = await client.post("/v1/messages", json={**MESSAGE, "text": "\x00"}, headers={"Idempotency-Key": "n2"})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "text"


async def test_a_dead_lettered_mail_holding_a_nul_is_kept_exactly(migrated_url: str, closed_bootstrap: str) -> None:
    raw = b"From: an@example.com\r\nSubject: hi\r\n\r\nbroken\x00 mail\r\n"
    letter = input_dead_letter(
        raw, source="ingest_email", source_topic="ingest_email.smtp", reason="unreadable", failed_at=datetime.now(UTC)
    )
    async with running_gateway(gateway_settings(migrated_url, closed_bootstrap)) as (app, client):
        async with app.state.runtime.sessions() as session, session.begin():
            await on_dead_letter(session, letter, payload_as(letter, DeadLetterRecorded))
        [item] = (await client.get("/v1/deadletters")).json()["items"]

    assert item["value_encoding"] == "base64"
    assert base64.b64decode(item["value"]) == raw
