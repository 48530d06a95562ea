"""No customer data in any log line or dead-letter reason when something fails: a database refusing a row (its
parameters, the row quoted in PostgreSQL's DETAIL), a handler whose exception text quotes the message. Every logger
is captured, SQLAlchemy's included, and each record is written by the formatter the services use."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, String, Table, Text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared import topics
from shared.bus import KafkaBus, ensure_topics
from shared.cloudevents import CloudEvent, decode, new_event
from shared.consumer import EventConsumer
from shared.db import create_engine, new_metadata, session_factory
from shared.events import AddressKind, Channel, ComplaintMessageReceived, Sender
from shared.idempotency import processed_events_table
from shared.logs import QUIET_LOGGERS, JsonFormatter
from shared.settings import ServiceSettings
from shared.webapp import new_app
from tests.integration.shared.test_bus import read_topic

EMAIL = "an.nguyen.private@example.com"
IBAN = "DE89370400440532013000"
SECRETS = (EMAIL, IBAN, "an.nguyen.private")

metadata = new_metadata()
processed = processed_events_table(metadata)
payees = Table(
    "payees",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("iban", Text),
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything any logger writes at every level (SQLAlchemy writes statements and parameters at INFO), except
    below WARNING for the loggers the services always keep there."""
    caplog.set_level(logging.DEBUG)
    for quiet in QUIET_LOGGERS:
        caplog.set_level(logging.WARNING, logger=quiet)
    return caplog


def leaked(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines, as the services write them, that hold a secret."""
    formatter = JsonFormatter("test")
    lines = [formatter.format(record) for record in caplog.records]
    return [line for line in lines if any(secret in line for secret in SECRETS)]


def message(text: str, provider_id: str) -> ComplaintMessageReceived:
    return ComplaintMessageReceived(
        channel=Channel.EMAIL,
        provider="test",
        provider_message_id=provider_id,
        received_at=datetime.now(UTC),
        sender=Sender(kind=AddressKind.EMAIL, address=EMAIL),
        text=text,
    )


@asynccontextmanager
async def app_that_stores_payees(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = new_app(title="t", settings=ServiceSettings(), lifespan=lifespan, checks=lambda _: {})
    sessions = session_factory(engine)

    @app.post("/payees")
    async def add_payee() -> dict[str, str]:
        async with sessions() as session, session.begin():
            await session.execute(payees.insert().values(email=EMAIL, iban=IBAN))
        return {"status": "stored"}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_a_refused_insert_writes_none_of_its_values_to_the_log(
    engine: AsyncEngine, every_log: pytest.LogCaptureFixture
) -> None:
    async with app_that_stores_payees(engine) as client:
        assert (await client.post("/payees")).status_code == 200
        refused = await client.post("/payees")  # the same primary key: the database refuses the row

    assert refused.status_code == 500
    assert not any(secret in refused.text for secret in SECRETS)
    logged = [json.loads(JsonFormatter("test").format(record)) for record in every_log.records]
    assert any("IntegrityError" in entry.get("exception", "") for entry in logged), "the failure itself is logged"
    assert leaked(every_log) == []


async def handle(session: AsyncSession, event: CloudEvent, data: ComplaintMessageReceived) -> None:
    if data.text == "explode":
        raise ValueError(f"no payee for {data.sender.address} ({IBAN})")  # a handler whose error quotes the data
    await session.execute(payees.insert().values(email=data.sender.address, iban=data.text))


async def test_a_dead_lettered_event_has_a_reason_and_log_lines_without_its_data(
    broker: str, engine: AsyncEngine, every_log: pytest.LogCaptureFixture
) -> None:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    bus = KafkaBus(broker, client_id="test")
    await bus.start()
    consumer = EventConsumer(
        bus=bus,
        bootstrap_servers=broker,
        group_id="hygiene",
        topics=(topics.COMPLAINTS_INBOUND,),
        handlers={ComplaintMessageReceived.event_type: handle},
        sessions=session_factory(engine),
        processed=processed,
    )
    try:
        for index, text in enumerate((IBAN, IBAN, "explode")):  # the second is the same payee again: refused
            await bus.publish(topics.COMPLAINTS_INBOUND, new_event(message(text, f"m{index}"), source="t"), key="k")
        consumer.start()
        letters = [decode(value) for value in await read_topic(broker, topics.DEADLETTER, expected=2)]
    finally:
        await consumer.stop()
        await bus.stop()

    reasons = sorted(letter.data["reason"] for letter in letters)
    assert reasons[0].startswith("handler failed: IntegrityError"), reasons
    assert reasons[1] == "handler failed: ValueError", reasons
    assert not [reason for reason in reasons if any(secret in reason for secret in SECRETS)]
    assert leaked(every_log) == []
