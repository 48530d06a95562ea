"""The bus against the real embedded broker and real databases: commit after the transaction, idempotent
redelivery, poison records to the dead-letter topic, and the outbox relay."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Column, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared import topics
from shared.bus import KafkaBus, ensure_topics
from shared.cloudevents import CloudEvent, decode, new_event
from shared.consumer import EventConsumer
from shared.db import create_engine, new_metadata, session_factory
from shared.events import AddressKind, Channel, ComplaintMessageReceived, Sender
from shared.idempotency import processed_events_table
from shared.outbox import OutboxRelay, enqueue, outbox_table
from tests.support.broker import running_broker
from tests.support.polling import eventually

metadata = new_metadata()
processed = processed_events_table(metadata)
outbox = outbox_table(metadata)
effects = Table("effects", metadata, Column("event_id", String(200), primary_key=True), Column("text", String(500)))


def message(text: str, provider_id: str = "m-1") -> ComplaintMessageReceived:
    return ComplaintMessageReceived(
        channel=Channel.API,
        provider="test",
        provider_message_id=provider_id,
        received_at=datetime.now(UTC),
        sender=Sender(kind=AddressKind.EMAIL, address="an@example.com"),
        text=text,
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def bus(broker: str) -> AsyncIterator[KafkaBus]:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=2)
    bus = KafkaBus(broker, client_id="test")
    await bus.start()
    yield bus
    await bus.stop()


async def record_effect(session: AsyncSession, event: CloudEvent, data: ComplaintMessageReceived) -> None:
    if data.text == "explode":
        raise ValueError("cannot handle this message")
    await session.execute(effects.insert().values(event_id=event.id, text=data.text))


def consumer_for(bus: KafkaBus, broker: str, engine: AsyncEngine) -> EventConsumer:
    return EventConsumer(
        bus=bus,
        bootstrap_servers=broker,
        group_id="test-consumer",
        topics=(topics.COMPLAINTS_INBOUND,),
        handlers={ComplaintMessageReceived.event_type: record_effect},
        sessions=session_factory(engine),
        processed=processed,
    )


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def read_topic(broker: str, topic: str, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None, fetch_max_wait_ms=60
    )
    await consumer.start()
    values: list[bytes] = []
    try:

        async def probe() -> list[bytes] | None:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                values.extend(record.value for record in batch if record.value is not None)
            return values if len(values) >= expected else None

        await eventually(probe, what=f"{expected} records on {topic}")
    finally:
        await consumer.stop()
    return values


async def test_consumed_events_are_applied_and_offsets_committed(bus: KafkaBus, broker: str, engine: AsyncEngine):
    for n in range(5):
        await bus.publish(topics.COMPLAINTS_INBOUND, new_event(message(f"m{n}"), source="test"), key="k")
    consumer = consumer_for(bus, broker, engine)
    consumer.start()
    try:
        await eventually(lambda: _at_least(engine, effects, 5), what="5 effects")
        await eventually(lambda: _committed_offsets(broker, "test-consumer", 5), what="offsets committed")
    finally:
        await consumer.stop()
    # A second consumer in the same group starts after the committed offsets: it reads only the new record.
    await bus.publish(topics.COMPLAINTS_INBOUND, new_event(message("m5"), source="test"), key="k")
    again = consumer_for(bus, broker, engine)
    again.start()
    try:
        await eventually(lambda: _at_least(engine, effects, 6), what="6th effect")
        # The count moves once the batch's offsets are committed, just after its effect became visible.
        await eventually(lambda: _true(again.processed_count >= 1), what="the batch to be committed")
        assert again.processed_count == 1, "only the new record was read: the first five were committed"
    finally:
        await again.stop()
    assert await count(engine, effects) == 6


async def test_redelivered_event_changes_nothing(bus: KafkaBus, broker: str, engine: AsyncEngine):
    event = new_event(message("same"), source="test")
    for _ in range(3):
        await bus.publish(topics.COMPLAINTS_INBOUND, event, key="k")
    marker = new_event(message("after"), source="test")
    await bus.publish(topics.COMPLAINTS_INBOUND, marker, key="k")
    consumer = consumer_for(bus, broker, engine)
    consumer.start()
    try:
        await eventually(lambda: _at_least(engine, effects, 2), what="effects")
        await eventually(lambda: _true(consumer.processed_count >= 4), what="all four deliveries consumed")
    finally:
        await consumer.stop()
    assert await count(engine, effects) == 2


async def test_poison_record_goes_to_deadletter_and_next_is_processed(bus: KafkaBus, broker: str, engine: AsyncEngine):
    await bus.publish_raw(topics.COMPLAINTS_INBOUND, value=b"{not json", key=b"k")
    bad_data = new_event(message("x"), source="test").model_copy(update={"data": {"channel": "pigeon"}})
    await bus.publish(topics.COMPLAINTS_INBOUND, bad_data, key="k")
    await bus.publish(topics.COMPLAINTS_INBOUND, new_event(message("explode"), source="test"), key="k")
    good = new_event(message("fine"), source="test")
    await bus.publish(topics.COMPLAINTS_INBOUND, good, key="k")
    consumer = consumer_for(bus, broker, engine)
    consumer.start()
    try:
        await eventually(lambda: _at_least(engine, effects, 1), what="the good record's effect")
        letters = [decode(value) for value in await read_topic(broker, topics.DEADLETTER, 3)]
    finally:
        await consumer.stop()
    reasons = [letter.data["reason"] for letter in letters]
    assert any("not a CloudEvents JSON envelope" in r for r in reasons)
    assert any("invalid complaint.message.received.v1 data" in r and "channel" in r for r in reasons)
    assert "handler failed: ValueError" in reasons, "the type only: exception texts may quote the message"
    assert {letter.data["source_topic"] for letter in letters} == {topics.COMPLAINTS_INBOUND}
    assert any(letter.data["value"] == "{not json" for letter in letters)
    async with engine.connect() as connection:
        texts = (await connection.execute(select(effects.c.text))).scalars().all()
    assert texts == ["fine"]


async def test_outbox_relay_publishes_committed_events_once_and_nothing_rolled_back(
    bus: KafkaBus, broker: str, engine: AsyncEngine
):
    sessions = session_factory(engine)
    committed = [new_event(message(f"c{n}"), source="test") for n in range(3)]
    async with sessions() as session, session.begin():
        for event in committed:
            await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="case-1", event=event)
    rolled_back = new_event(message("never"), source="test")
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="case-1", event=rolled_back)
            raise RuntimeError("the state change failed")
    relay = OutboxRelay(bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url))
    relay.start()
    try:
        await eventually(lambda: _true(relay.published >= 3), what="relay to publish")
        relay.wake()
        values = await read_topic(broker, topics.CASES_EVENTS, 3)
        # More pending work would have been published on the wake; give none to make sure none appears.
        assert await relay.publish_pending() == 0
    finally:
        await relay.stop()
    ids = [json.loads(v)["id"] for v in values]
    assert sorted(ids) == sorted(e.id for e in committed)
    assert ids == [e.id for e in committed], "one key keeps its order"
    async with engine.connect() as connection:
        pending = await connection.execute(select(func.count()).where(outbox.c.published_at.is_(None)))
        assert pending.scalar_one() == 0


async def test_published_rows_are_kept_as_journal_until_retention_passes(bus: KafkaBus, engine: AsyncEngine):
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="k", event=new_event(message("a"), source="t"))
    kept = OutboxRelay(bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url))
    assert await kept.publish_pending() == 1
    assert await kept.purge_published() == 0, "within retention the published row stays (replay journal)"
    async with sessions() as session, session.begin():
        await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="k", event=new_event(message("b"), source="t"))
    expired = OutboxRelay(
        bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url), retention=timedelta(0)
    )
    assert await expired.purge_published() == 1
    assert await count(engine, outbox) == 1, "the unpublished row is never purged"


async def _committed_offsets(broker: str, group: str, expected: int) -> bool:
    """Whether `group` has committed offsets on the inbound topic adding up to `expected` records."""
    reader = AIOKafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = reader.partitions_for_topic(topics.COMPLAINTS_INBOUND) or set()
        offsets = [await reader.committed(TopicPartition(topics.COMPLAINTS_INBOUND, p)) for p in partitions]
    finally:
        await reader.stop()
    return sum(offset or 0 for offset in offsets) == expected


async def _at_least(engine: AsyncEngine, table: Table, n: int) -> bool:
    return await count(engine, table) >= n


async def _true(value: bool) -> bool:
    return value


async def test_journal_replay_republishes_what_a_lost_broker_had(engine: AsyncEngine):
    """The in-memory broker restarted empty: the outbox journal is published again, once, in order."""
    sessions = session_factory(engine)
    events = [new_event(message(f"j{n}"), source="test") for n in range(3)]
    async with sessions() as session, session.begin():
        for event in events:
            await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="case-1", event=event)
    for attempt in ("before the crash", "after the restart"):
        async with running_broker() as bootstrap:
            await ensure_topics(bootstrap, topics.ALL_TOPICS, partitions=1)
            bus = KafkaBus(bootstrap, client_id="test")
            await bus.start()
            relay = OutboxRelay(bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url))
            try:
                if attempt == "after the restart":
                    assert await relay.replay_journal() == 3
                assert await relay.publish_pending() == 3
                values = await read_topic(bootstrap, topics.CASES_EVENTS, 3)
                assert [json.loads(v)["id"] for v in values] == [e.id for e in events], attempt
                assert await relay.publish_pending() == 0
            finally:
                await bus.stop()
