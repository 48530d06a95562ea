"""Queries on the gateway's tables. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import DeadLetter, IdempotencyKey
from shared.events import DeadLetterRecorded


async def find_idempotency_key(session: AsyncSession, *, key: str) -> IdempotencyKey | None:
    return await session.get(IdempotencyKey, key, populate_existing=True)


async def add_idempotency_key(
    session: AsyncSession, *, key: str, request_sha256: str, event_id: str, created_at: datetime
) -> None:
    """Insert now, not at flush: a concurrent request with the same key fails here, on the primary key."""
    await session.execute(
        insert(IdempotencyKey).values(key=key, request_sha256=request_sha256, event_id=event_id, created_at=created_at)
    )


async def forget_idempotency_keys(session: AsyncSession, *, created_before: datetime, key: str | None = None) -> int:
    """Delete keys past their retention (only `key` when given); returns how many."""
    statement = delete(IdempotencyKey).where(IdempotencyKey.created_at < created_before)
    if key is not None:
        statement = statement.where(IdempotencyKey.key == key)
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def dead_letter_exists(session: AsyncSession, *, letter_id: str) -> bool:
    found = await session.execute(select(DeadLetter.id).where(DeadLetter.id == letter_id))
    return found.first() is not None


async def add_dead_letter(
    session: AsyncSession, *, letter_id: str, letter: DeadLetterRecorded, recorded_at: datetime
) -> None:
    await session.execute(
        insert(DeadLetter).values(
            id=letter_id,
            source_topic=letter.source_topic,
            partition=letter.partition,
            offset=letter.offset,
            consumer_group=letter.consumer_group,
            reason=letter.reason,
            key=letter.key,
            value=letter.value,
            value_encoding=letter.value_encoding,
            headers=[list(pair) for pair in letter.headers],
            failed_at=letter.failed_at,
            recorded_at=recorded_at,
            replay_count=0,
        )
    )


async def get_dead_letter(session: AsyncSession, *, letter_id: str) -> DeadLetter | None:
    return await session.get(DeadLetter, letter_id, populate_existing=True)


async def list_dead_letters(
    session: AsyncSession, *, limit: int, offset: int, source_topic: str | None = None
) -> tuple[list[DeadLetter], int]:
    """One page, newest failure first, and the number of letters matching the filter."""
    query = select(DeadLetter)
    counted = select(func.count()).select_from(DeadLetter)
    if source_topic is not None:
        query = query.where(DeadLetter.source_topic == source_topic)
        counted = counted.where(DeadLetter.source_topic == source_topic)
    page = await session.scalars(
        query.order_by(DeadLetter.failed_at.desc(), DeadLetter.id.desc()).limit(limit).offset(offset)
    )
    total = await session.scalar(counted)
    return list(page), int(total or 0)


async def mark_replayed(session: AsyncSession, *, letter_id: str, at: datetime) -> None:
    # Incremented in SQL so that two replays at once both count.
    await session.execute(
        update(DeadLetter)
        .where(DeadLetter.id == letter_id)
        .values(replayed_at=at, replay_count=DeadLetter.replay_count + 1)
    )


async def dead_letter_counts(session: AsyncSession) -> list[tuple[str, str, int, int]]:
    """(source topic, consumer group, letters, letters never replayed), most letters first."""
    letters = func.count().label("letters")
    not_replayed = func.sum(case((DeadLetter.replayed_at.is_(None), 1), else_=0), type_=Integer)
    rows = await session.execute(
        select(DeadLetter.source_topic, DeadLetter.consumer_group, letters, not_replayed)
        .group_by(DeadLetter.source_topic, DeadLetter.consumer_group)
        .order_by(letters.desc(), DeadLetter.source_topic, DeadLetter.consumer_group)
    )
    return [(topic, group, int(count), int(pending or 0)) for topic, group, count, pending in rows.all()]
