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


async def already_processed(session: AsyncSession, table: Table, *, consumer: str, event_id: str) -> bool:
    found = await session.execute(
        select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id == event_id)
    )
    return found.first() is not None


async def mark_processed(session: AsyncSession, table: Table, *, consumer: str, event_id: str) -> None:
    await session.execute(table.insert().values(consumer=consumer, event_id=event_id, processed_at=datetime.now(UTC)))
