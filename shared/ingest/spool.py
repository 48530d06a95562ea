"""The outbound spool: one row per message a case asked for, keyed by `outbound_id` (the case service's dedup
key, so a redelivered request sends nothing twice). Its life: `pending`, then `sending` (leased by the sender),
then `sent`, `delivered`, `failed` or `skipped`.

A service's spool table mixes in `SpoolColumns` and adds what its channel needs (recipient, body, headers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UtcDateTime

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
SKIPPED = "skipped"


class SpoolColumns:
    """The columns every spool table has; the sender and the reports need only these."""

    outbound_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    correlation_id: Mapped[str | None] = mapped_column(String(200))


M = TypeVar("M", bound=SpoolColumns)


async def spooled(session: AsyncSession, model: type[M], *, outbound_id: str) -> M | None:
    return await session.get(model, outbound_id, populate_existing=True)


async def add(session: AsyncSession, *, message: SpoolColumns) -> None:
    session.add(message)
    await session.flush()


async def due(
    session: AsyncSession, model: type[M], *, status: str, before: datetime, limit: int, skip_locked: bool
) -> Sequence[M]:
    """Messages in `status` whose next attempt (or lease) is due, oldest request first, locked for the caller."""
    query = (
        select(model)
        .where(model.status == status, model.next_attempt_at <= before)
        .order_by(model.requested_at, model.outbound_id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return (await session.scalars(query)).all()
