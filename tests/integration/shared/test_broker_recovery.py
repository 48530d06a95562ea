# ruff: noqa: F811 - the tests take the `engine` fixture imported from test_bus by name
"""Recovery from a restarted in-memory broker, against real tansu processes and real databases: a consumer reads the
refilled logs whole, a batch the relay had in flight during the replay is published again, and a service recovers
once per broker, replaying only what the launcher says may not have been applied."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import topics
from shared.bus import KafkaBus, ensure_topics
from shared.cloudevents import new_event
from shared.consumer import EventConsumer
from shared.db import session_factory
from shared.events import ComplaintMessageReceived
from shared.outbox import OutboxRelay, enqueue
from shared.recovery import BrokerEpoch, BrokerRecovery, epoch_path, recovered_broker, write_atomically
from tests.integration.shared.test_bus import (  # noqa: F401 - `engine` is the fixture of those tables
    consumer_for,
    count,
    effects,
    engine,
    message,
    metadata,
    outbox,
    processed,
    record_effect,
)
from tests.support.broker import RestartableBroker, restartable_broker
from tests.support.polling import eventually


@pytest.fixture
async def broker() -> AsyncIterator[RestartableBroker]:
    async with restartable_broker() as started:
        await ensure_topics(started.bootstrap, topics.ALL_TOPICS, partitions=1)
        yield started


async def publish_complaints(bus: KafkaBus, texts: list[str]) -> None:
    records = [
        (topics.COMPLAINTS_INBOUND, "k", new_event(message(text, provider_id=text), source="t").to_json_bytes())
        for text in texts
    ]
    await bus.publish_many(records)


async def restart(broker: RestartableBroker) -> None:
    broker.kill()
    await broker.start()
    await ensure_topics(broker.bootstrap, topics.ALL_TOPICS, partitions=1)


async def test_a_rewound_consumer_reads_the_whole_refilled_log_of_a_restarted_broker(
    broker: RestartableBroker, engine: AsyncEngine
) -> None:
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    consumer = consumer_for(bus, broker.bootstrap, engine)
    consumer.start()
    try:
        await publish_complaints(bus, [f"before-{n}" for n in range(30)])
        await eventually(lambda: _at_least(engine, 30), within=30, what="the first 30 applied")

        await restart(broker)
        rewind = consumer.rewind()
        # The new log fills past where the consumer was in the old one before it fetches again.
        await _publish_when_up(bus, [f"after-{n}" for n in range(40)])

        await eventually(lambda: _at_least(engine, 70), within=60, what="all 40 records of the new log applied")
        await eventually(lambda: _true(consumer.rewound(rewind)), within=30, what="the rewind carried out")
        async with engine.connect() as connection:
            texts = set((await connection.execute(select(effects.c.text))).scalars())
        assert {f"after-{n}" for n in range(40)} <= texts
    finally:
        await consumer.stop()
        await bus.stop()


async def test_an_offset_committed_against_the_lost_log_does_not_make_the_consumer_skip_the_new_one(
    broker: RestartableBroker, engine: AsyncEngine
) -> None:
    """A batch in flight across the restart commits the old log's position to the new broker, then the service
    restarts: without the rewind its consumer would start there and never read the new log's first records."""
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    consumer = consumer_for(bus, broker.bootstrap, engine)
    consumer.start()
    try:
        await publish_complaints(bus, [f"before-{n}" for n in range(30)])
        await eventually(lambda: _at_least(engine, 30), within=30, what="the first 30 applied")
        await consumer.stop()

        await restart(broker)
        await _publish_when_up(bus, [f"after-{n}" for n in range(40)])
        await _commit(broker.bootstrap, group=consumer.group_id, offset=30)

        consumer = consumer_for(bus, broker.bootstrap, engine)
        rewind = consumer.rewind()  # what shared.recovery asks of a service starting after a broker restart
        consumer.start()
        await eventually(lambda: _at_least(engine, 70), within=60, what="all 40 records of the new log applied")
        await eventually(lambda: _true(consumer.rewound(rewind)), within=30, what="the rewind carried out")
    finally:
        await consumer.stop()
        await bus.stop()


async def _commit(bootstrap: str, *, group: str, offset: int) -> None:
    """Commit `offset` on the inbound topic's partition for `group`, as a batch fetched from the lost log would."""
    committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await committer.start()
    try:
        partition = TopicPartition(topics.COMPLAINTS_INBOUND, 0)
        committer.assign([partition])
        await committer.commit({partition: offset})
    finally:
        await committer.stop()


async def test_a_batch_in_flight_during_a_journal_replay_is_published_again_after_it(
    broker: RestartableBroker, engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        for n in range(3):
            event = new_event(message(f"in-flight-{n}"), source="t")
            await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="c", event=event)
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    relay = OutboxRelay(bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url))
    try:
        broker.signal(signal.SIGSTOP)  # the broker holds the batch's acknowledgement...
        in_flight = asyncio.create_task(relay.publish_pending())
        await asyncio.sleep(0)  # the batch has begun: it reads its rows and sends them to the paused broker
        await relay.replay_journal()  # ...while the launcher has the journal replayed
        broker.signal(signal.SIGCONT)
        assert await in_flight == 3

        assert await relay.publish_pending() == 3, "the batch acknowledged across the replay is not in the journal"
        assert await relay.publish_pending() == 0
    finally:
        await bus.stop()


async def test_a_service_recovers_once_per_broker_replaying_from_the_launchers_safe_point(
    broker: RestartableBroker, engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = session_factory(engine)
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    relay = OutboxRelay(bus=bus, sessions=sessions, table=outbox, database_url=str(engine.url))
    recovery = BrokerRecovery(service="svc", data_dir=tmp_path, relay=relay, consumer=None)
    try:
        for text in ("applied long ago", "maybe not applied"):
            async with sessions() as session, session.begin():
                event = new_event(message(text), source="t")
                await enqueue(session, outbox, topic=topics.CASES_EVENTS, key="c", event=event)
            assert await relay.publish_pending() == 1
            if text == "applied long ago":
                await asyncio.sleep(0.05)
                safe_point = datetime.now(UTC)

        write_atomically(epoch_path(tmp_path), BrokerEpoch("broker-2", replay_since=safe_point).to_json())
        assert await recovery.recover(signalled=True) == 1, "only the row published after the safe point"
        assert recovered_broker(tmp_path, "svc") == "broker-2"
        assert await recovery.recover(signalled=True) is None, "a second signal for the same broker replays nothing"
        assert await relay.publish_pending() == 1

        write_atomically(epoch_path(tmp_path), BrokerEpoch("broker-3").to_json())
        assert await recovery.recover(signalled=False) == 2, "no safe point known: the whole journal"
    finally:
        await bus.stop()


async def _publish_when_up(bus: KafkaBus, texts: list[str]) -> None:
    async def published() -> bool:
        try:
            await publish_complaints(bus, texts)
        except Exception:
            return False
        return True

    await eventually(published, within=30, what="the restarted broker accepting records")


async def _at_least(engine: AsyncEngine, n: int) -> bool:
    return await count(engine, effects) >= n


async def _true(value: bool) -> bool:
    return value


async def test_a_consumer_holding_no_partitions_joins_again_with_a_new_client(
    broker: RestartableBroker, engine: AsyncEngine
) -> None:
    """After a broker restart the client sometimes marked its coordinator dead and never looked for it again: no
    partitions and no error for minutes, so the service stayed not ready. Here two members share a one-partition topic,
    so one of them holds nothing: it keeps joining again with a new client, and consuming goes on."""
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    members = [_impatient_consumer(bus, broker.bootstrap, engine) for _ in range(2)]
    for member in members:
        member.start()
    try:

        async def rejoined() -> bool:
            return sum(member.rejoins for member in members) >= 1

        await eventually(rejoined, what="the member holding no partition joined again")
        await bus.publish(
            topics.COMPLAINTS_INBOUND, new_event(message("late", provider_id="late"), source="t"), key="k"
        )
        await eventually(lambda: _effects_text(engine), what="the record consumed by the member holding the partition")
    finally:
        for member in members:
            await member.stop()
        await bus.stop()


def _impatient_consumer(bus: KafkaBus, bootstrap: str, engine: AsyncEngine) -> EventConsumer:
    return EventConsumer(
        bus=bus,
        bootstrap_servers=bootstrap,
        group_id="two-members",
        topics=(topics.COMPLAINTS_INBOUND,),
        handlers={ComplaintMessageReceived.event_type: record_effect},
        sessions=session_factory(engine),
        processed=processed,
        rejoin_after_seconds=1.0,
    )


async def _effects_text(engine: AsyncEngine) -> list[str] | None:
    async with engine.connect() as connection:
        texts = list((await connection.execute(select(effects.c.text))).scalars())
    return texts if texts == ["late"] else None


# A client given up on while its broker is gone is left to the garbage collector with its sockets still open.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_rewind_whose_commit_the_broker_never_answers_is_carried_out_once_it_is_back(
    broker: RestartableBroker, engine: AsyncEngine
) -> None:
    """A rewind's commit sent while the broker is gone was seen waiting for minutes (the client had marked the
    coordinator dead and never looked again). Bounded, the consumer starts over with a new client and, once the broker
    is back, rewinds and consumes again. (Whether the commit hangs or fails at once depends on timing.)"""
    bus = KafkaBus(broker.bootstrap, client_id="test")
    await bus.start()
    consumer = _impatient_consumer(bus, broker.bootstrap, engine)
    consumer.start()
    try:

        async def assigned() -> bool:
            return consumer.assigned

        await eventually(assigned, what="the consumer holding its partition")
        broker.kill()
        rewind = consumer.rewind()  # its commit goes to a broker that is gone
        await asyncio.sleep(3)  # the outage lasts a while: the fault being tested, not a wait for an outcome
        await restart(broker)

        async def rewound() -> bool:
            return consumer.rewound(rewind)

        await eventually(rewound, within=60, what="the rewind carried out on the restarted broker")
        await bus.publish(
            topics.COMPLAINTS_INBOUND, new_event(message("late", provider_id="late"), source="t"), key="k"
        )
        await eventually(lambda: _effects_text(engine), what="consuming again")
    finally:
        await consumer.stop()
        await bus.stop()
