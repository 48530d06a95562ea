"""The processed-events table: a consumer records each event id in the same transaction as its effect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UtcDateTime


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(200), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )


async def processed_among(session: AsyncSession, table: Table, *, consumer: str, event_ids: list[str]) -> set[str]:
    """Which of `event_ids` this consumer has already processed (one query for a whole batch)."""
    if not event_ids:
        return set()
    found = await session.execute(
        select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id.in_(event_ids))
    )
    return set(found.scalars())


async def mark_all_processed(session: AsyncSession, table: Table, *, consumer: str, event_ids: list[str]) -> None:
    if event_ids:
        now = datetime.now(UTC)
        await session.execute(
            table.insert(),
            [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in event_ids],
        )
