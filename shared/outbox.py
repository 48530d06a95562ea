"""Transactional outbox: events are written with the state change, and a relay publishes and marks them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.background import BackgroundTask
from shared.bus import BrokerUnavailable, KafkaBus
from shared.cloudevents import CloudEvent
from shared.db import UtcDateTime, is_sqlite

log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(200), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(500), nullable=True),
        Column("payload", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True, index=True),
    )


async def enqueue(session: AsyncSession, table: Table, *, topic: str, key: str | None, event: CloudEvent) -> None:
    """Add `event` to the outbox inside the caller's transaction."""
    await session.execute(
        table.insert().values(
            event_id=event.id,
            topic=topic,
            key=key,
            payload=event.to_json_bytes().decode(),
            created_at=datetime.now(UTC),
        )
    )


class OutboxRelay(BackgroundTask):
    """Publishes unpublished outbox rows in id order, then marks them. Wake it after a commit to cut latency.

    Several instances may run against one PostgreSQL database: rows are claimed with FOR UPDATE SKIP LOCKED.
    Delivery is at least once (a crash between publish and mark republishes); consumers dedup on the event id.

    A journal replay and a batch in flight exclude each other: a batch read before a replay began is not marked
    published (the broker that acknowledged it may be the one that was lost), so it is published again after it.
    """

    task_name = "outbox-relay"

    def __init__(
        self,
        *,
        bus: KafkaBus,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        database_url: str,
        batch_size: int = 200,
        idle_poll_seconds: float = 0.5,
        retention: timedelta = timedelta(hours=24),
    ) -> None:
        self._bus = bus
        self._sessions = sessions
        self._table = table
        self._skip_locked = not is_sqlite(database_url)
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._retention = retention
        self._next_purge = 0.0
        self._wake = asyncio.Event()
        # Bumped by every journal replay; a batch marks its rows only if no replay began since it read them.
        self._generation = 0
        self._marking = asyncio.Lock()
        super().__init__()
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await self._purge_when_due()
                sent = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except BrokerUnavailable as error:
                log.warning("outbox relay: broker unavailable (%s); will retry", error)
                sent = 0
                await asyncio.sleep(1)
            except Exception:
                log.exception("outbox relay failed; will retry")
                sent = 0
                await asyncio.sleep(1)
            if sent < self._batch_size:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""
        generation = self._generation
        if self._skip_locked:
            async with self._sessions() as session:
                try:
                    rows = (await session.execute(self._pending_query().with_for_update(skip_locked=True))).all()
                    await self._publish(rows)
                    async with self._marking:
                        await self._mark(session, rows, generation=generation)
                        await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        else:
            # SQLite has one writer: do not hold its lock while waiting on the broker.
            async with self._sessions() as session:
                rows = (await session.execute(self._pending_query())).all()
            await self._publish(rows)
            async with self._marking, self._sessions() as session, session.begin():
                await self._mark(session, rows, generation=generation)
        self.published += len(rows)
        return len(rows)

    async def replay_journal(self, *, since: datetime | None = None) -> int:
        """Mark the rows published since `since` (by default: within the retention) as pending again, so the relay
        publishes them once more.

        For a broker that lost its records (the in-memory embedded broker after a restart): consumers skip what they
        had already processed, and receive what they had not. A batch being published meanwhile is published again
        after the replay (see the class docstring). Returns how many rows were marked for republishing.
        """
        table = self._table
        cutoff = datetime.now(UTC) - self._retention
        if since is not None:
            cutoff = max(cutoff, since)
        async with self._marking:
            self._generation += 1
            async with self._sessions() as session, session.begin():
                statement = update(table).where(table.c.published_at >= cutoff).values(published_at=None)
                result = await session.execute(statement)
        self.wake()
        return int(getattr(result, "rowcount", 0) or 0)

    async def _purge_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_purge:
            self._next_purge = now + 600
            await self.purge_published()

    async def purge_published(self) -> int:
        """Delete rows published longer ago than the retention: until then they are the journal to replay from."""
        table = self._table
        cutoff = datetime.now(UTC) - self._retention
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(table).where(table.c.published_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def _pending_query(self) -> Select[tuple[int, str, str | None, str]]:
        table = self._table
        return (
            select(table.c.id, table.c.topic, table.c.key, table.c.payload)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.id)
            .limit(self._batch_size)
        )

    async def _publish(self, rows: Sequence[Row[tuple[int, str, str | None, str]]]) -> None:
        if rows:
            await self._bus.publish_many((row.topic, row.key, row.payload.encode()) for row in rows)

    async def _mark(
        self, session: AsyncSession, rows: Sequence[Row[tuple[int, str, str | None, str]]], *, generation: int
    ) -> None:
        """Mark `rows` published, unless a journal replay began after they were read (then they stay pending)."""
        if not rows or generation != self._generation:
            return
        table = self._table
        await session.execute(
            update(table).where(table.c.id.in_([row.id for row in rows])).values(published_at=datetime.now(UTC))
        )
