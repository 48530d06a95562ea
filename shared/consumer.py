"""The consuming half of the bus: batches in one transaction, offsets committed after it, poison to dead letters."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import topics
from shared.background import BackgroundTask
from shared.bus import BrokerUnavailable, KafkaBus
from shared.cloudevents import CloudEvent, EventData, decode, new_event
from shared.events import DeadLetterRecorded, payload
from shared.idempotency import mark_all_processed, processed_among
from shared.logs import correlation_scope
from shared.redaction import describe_error, describe_validation_error

log = logging.getLogger(__name__)
T = TypeVar("T")

Handler = Callable[[AsyncSession, CloudEvent, Any], Awaitable[None]]


@dataclass(frozen=True)
class Decoded:
    record: ConsumerRecord[bytes, bytes]
    event: CloudEvent
    data: EventData


@dataclass(frozen=True)
class Poison:
    record: ConsumerRecord[bytes, bytes]
    reason: str


class ConsumerStalled(RuntimeError):
    """The consumer held no partitions, or a call to the broker went unanswered, for too long: its client is replaced
    by a new one."""


class EventConsumer(BackgroundTask):
    """Consumes `topics` in consumer group `group_id` and applies `handlers` (event type -> handler).

    Each batch runs in one database transaction together with the processed-events marks; offsets are committed
    only after it commits. When a batch fails, its events are retried one transaction each and those that still
    fail go to the dead-letter topic with the reason, so one bad record never blocks its partition. Database
    outages are not the record's fault: the batch is retried after a pause instead.
    """

    def __init__(
        self,
        *,
        bus: KafkaBus,
        bootstrap_servers: str,
        group_id: str,
        topics: tuple[str, ...],
        handlers: Mapping[str, Handler],
        sessions: async_sessionmaker[AsyncSession],
        processed: Table,
        fetch_max_wait_ms: int = 60,
        batch_size: int = 200,
        session_timeout_ms: int = 6000,
        rejoin_after_seconds: float = 20.0,
        on_committed: Callable[[], None] | None = None,
    ) -> None:
        self._bus = bus
        self._bootstrap = bootstrap_servers
        self.group_id = group_id
        self._topics = topics
        self._handlers = handlers
        self._sessions = sessions
        self._processed = processed
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._batch_size = batch_size
        self._session_timeout_ms = session_timeout_ms
        self._rejoin_after = rejoin_after_seconds
        self._on_committed = on_committed
        super().__init__()
        self.task_name = f"consumer:{group_id}"
        self._consumer: AIOKafkaConsumer | None = None
        self.deadlettered = 0
        self.processed_count = 0
        self.rejoins = 0
        # Rewinds asked for (see `rewind`), and the last one each partition has carried out.
        self._rewinds = 0
        self._rewound: dict[TopicPartition, int] = {}

    @property
    def assigned(self) -> bool:
        """Joined the group and holds partitions: records published now will be consumed."""
        return self.running and self._consumer is not None and bool(self._consumer.assignment())

    def rewind(self) -> int:
        """Read every partition again from the beginning of its log, and commit that, before the next batch.

        For a broker that lost its records and was refilled (the in-memory embedded broker after a restart): the
        offsets this consumer holds, or committed to the new broker from a batch in flight, point into logs that no
        longer hold what they held. Returns a number to pass to `rewound`.
        """
        self._rewinds += 1
        return self._rewinds

    def rewound(self, rewind: int) -> bool:
        """Whether the consumer holds partitions and has carried out rewind number `rewind` on each of them."""
        consumer = self._consumer
        if consumer is None or not self.running:
            return False
        assignment = consumer.assignment()
        return bool(assignment) and all(self._rewound.get(tp, 0) >= rewind for tp in assignment)

    async def _carry_out_rewinds(self, consumer: AIOKafkaConsumer) -> None:
        """Seek the assigned partitions not yet rewound to their beginning and commit that position (between
        batches, so no batch fetched before the rewind commits after it)."""
        wanted = self._rewinds
        behind = [tp for tp in consumer.assignment() if self._rewound.get(tp, 0) < wanted]
        if not behind:
            return
        await self._broker_call(self._rewind_to_beginning(consumer, behind), "rewinding")
        for tp in behind:
            self._rewound[tp] = wanted
        log.warning("consumer %s rewound %d partitions to the beginning of their logs", self.group_id, len(behind))

    async def _broker_call(self, call: Awaitable[T], what: str) -> T:
        """Bound a call the client retries internally: after a broker restart a commit, and a fetch waiting for an
        assignment, were seen waiting for minutes for a coordinator the client had marked dead and never looked for
        again. A new client joins in seconds; offsets left uncommitted only mean a redelivery, which changes nothing.

        The call runs as a task of its own, so giving up on it cancels only that task, never this consumer's."""
        task = asyncio.ensure_future(call)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._rejoin_after)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            task.cancel()
            raise ConsumerStalled(f"{what} unanswered for {self._rejoin_after:.0f} s")
        if task.cancelled():
            # The client cancels its own waits when it loses its coordinator; raised here as it is, that
            # CancelledError would end this consumer's task silently, as if the service were shutting down.
            raise ConsumerStalled(f"{what} cancelled inside the client")
        return task.result()

    async def _stop_client(self, consumer: AIOKafkaConsumer) -> None:
        """Stop a client, giving up after a while: with its broker gone, stopping waits on it too."""
        try:
            await self._broker_call(consumer.stop(), "stopping the client")
        except ConsumerStalled as stalled:
            log.warning("consumer %s: %s; left behind", self.group_id, stalled)

    @staticmethod
    async def _rewind_to_beginning(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        await consumer.seek_to_beginning(*partitions)
        await consumer.commit({tp: await consumer.position(tp) for tp in partitions})

    async def run(self) -> None:
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is None or current.cancelling():
                    raise
                # Not a cancellation of this task (see _broker_call): the client gave up a call of its own.
                self.rejoins += 1
                log.warning("consumer %s: a call was cancelled inside the client; joining again", self.group_id)
            except ConsumerStalled as stalled:
                self.rejoins += 1
                log.warning("consumer %s stalled (%s); joining again with a new client", self.group_id, stalled)
                continue
            except Exception:
                log.exception("consumer %s failed; reconnecting", self.group_id)
                await asyncio.sleep(1)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap,
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._fetch_max_wait_ms,
            max_poll_records=self._batch_size,
            # A member that vanished without leaving holds its partitions for this long: keep it short.
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(500, self._session_timeout_ms // 6),
        )
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        loop = asyncio.get_running_loop()
        held_partitions_at = loop.time()
        try:
            while True:
                if consumer.assignment():
                    held_partitions_at = loop.time()
                elif loop.time() - held_partitions_at > self._rejoin_after:
                    # Seen after a broker restart: the client marked its coordinator dead and never looked for it
                    # again, holding no partitions for minutes without an error. A new client joins in seconds.
                    raise ConsumerStalled(f"no partitions for {self._rejoin_after:.0f} s")
                await self._carry_out_rewinds(consumer)
                # getmany's timeout does not cover waiting for an assignment during a rebalance, which never ended
                # when the client had lost its coordinator.
                batches = await self._broker_call(
                    consumer.getmany(timeout_ms=1000, max_records=self._batch_size), "fetching"
                )
                records = [record for batch in batches.values() for record in batch]
                if records:
                    await self._process(consumer, records)
        finally:
            self._consumer = None
            await self._stop_client(consumer)

    async def _process(self, consumer: AIOKafkaConsumer, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        decoded: list[Decoded] = []
        poison: list[Poison] = []
        for record in records:
            outcome = self._decode(record)
            if isinstance(outcome, Poison):
                poison.append(outcome)
            elif outcome is not None:
                decoded.append(outcome)
        while True:
            try:
                poison += await self._apply(decoded)
                break
            except (OperationalError, DBAPIError) as error:
                if not _is_transient(error):
                    raise
                log.warning("database unavailable (%s); retrying batch", type(error).__name__)
                await asyncio.sleep(1)
        await self._deadletter(poison)
        await self._broker_call(consumer.commit(_next_offsets(records)), "committing offsets")
        self.processed_count += len(decoded)
        if decoded and self._on_committed is not None:
            self._on_committed()

    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> Decoded | Poison | None:
        if record.value is None:
            return Poison(record, "empty record value")
        try:
            event = decode(record.value)
        except ValidationError as error:
            return Poison(record, f"not a CloudEvents JSON envelope: {describe_validation_error(error)}")
        if event.type not in self._handlers:
            return None  # another consumer's event on a shared topic
        try:
            return Decoded(record, event, payload(event))
        except ValidationError as error:
            return Poison(record, f"invalid {event.type} data: {describe_validation_error(error)}")

    async def _apply(self, items: list[Decoded]) -> list[Poison]:
        """Apply the batch in one transaction; on a non-transient failure, fall back to one transaction each."""
        if not items:
            return []
        try:
            async with self._sessions() as session, session.begin():
                await self._apply_all(session, items)
            return []
        except (OperationalError, DBAPIError) as error:
            if _is_transient(error):
                raise
        except Exception:
            log.warning("batch of %d failed; retrying one by one", len(items))
        failed: list[Poison] = []
        for item in items:
            try:
                async with self._sessions() as session, session.begin():
                    await self._apply_all(session, [item])
            except (OperationalError, DBAPIError) as error:
                if _is_transient(error):
                    raise
                failed.append(Poison(item.record, f"handler failed: {describe_error(error)}"))
            except Exception as error:
                log.exception("event %s (%s) failed", item.event.id, item.event.type)
                failed.append(Poison(item.record, f"handler failed: {describe_error(error)}"))
        return failed

    async def _apply_all(self, session: AsyncSession, items: list[Decoded]) -> None:
        """Handle the events not processed before (nor earlier in `items`), then mark them processed."""
        ids = [item.event.id for item in items]
        seen = await processed_among(session, self._processed, consumer=self.group_id, event_ids=ids)
        fresh: dict[str, Decoded] = {}
        for item in items:
            if item.event.id not in seen:
                fresh.setdefault(item.event.id, item)
        for item in fresh.values():
            with correlation_scope(item.event.correlationid or item.event.id):
                await self._handlers[item.event.type](session, item.event, item.data)
        await mark_all_processed(session, self._processed, consumer=self.group_id, event_ids=list(fresh))

    async def _deadletter(self, poison: list[Poison]) -> None:
        for item in poison:
            self.deadlettered += 1
            record = item.record
            log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, item.reason)
            if record.topic == topics.DEADLETTER:
                continue  # never dead-letter a dead letter: that would loop
            letter = dead_letter(record, reason=item.reason, consumer_group=self.group_id)
            await self._bus.publish(topics.DEADLETTER, letter, key=letter.subject)


def dead_letter(record: ConsumerRecord[bytes, bytes], *, reason: str, consumer_group: str) -> CloudEvent:
    """The dead-letter event for `record`, carrying it whole (UTF-8 when it is text, else base64)."""
    value = record.value or b""
    try:
        text, encoding = value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(value).decode(), "base64"
    data = DeadLetterRecorded(
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        consumer_group=consumer_group,
        reason=reason[:2000],
        key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        value=text,
        value_encoding=encoding,
        headers=tuple((name, raw.decode("latin-1")) for name, raw in record.headers),
        failed_at=datetime.now(UTC),
    )
    subject = f"{record.topic}/{record.partition}/{record.offset}"
    return new_event(data, source=f"consumer/{consumer_group}", subject=subject)


def _next_offsets(records: list[ConsumerRecord[bytes, bytes]]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
    return offsets


def _is_transient(error: DBAPIError) -> bool:
    """Connection loss and lock timeouts are the database's fault, not the record's."""
    if error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):
        text = str(error.orig).lower()
        return any(marker in text for marker in ("locked", "connection", "timeout", "could not", "closed"))
    return False


__all__ = ["BrokerUnavailable", "EventConsumer", "Handler", "KafkaError", "dead_letter"]
