"""Replaying a dead letter: its original record back to its source topic, acknowledged by the broker, then marked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import domain, repository
from services.gateway.models import DeadLetter
from shared.bus import KafkaBus


class DeadLetterNotFound(LookupError):
    pass


async def replay_dead_letter(
    *, sessions: async_sessionmaker[AsyncSession], bus: KafkaBus, letter_id: str, now: datetime
) -> DeadLetter:
    """Republish and mark the letter; returns it as updated. Raises BrokerUnavailable, leaving it unmarked."""
    async with sessions() as session:
        letter = await repository.get_dead_letter(session, letter_id=letter_id)
    if letter is None:
        raise DeadLetterNotFound(letter_id)
    topic = domain.replay_topic(letter.source_topic)
    value = domain.record_value(letter.value, letter.value_encoding)
    headers = domain.record_headers(letter.headers)
    # No transaction is held while waiting on the broker: SQLite would keep its single write lock meanwhile.
    await bus.publish_raw(topic, value=value, key=domain.record_key(letter.key), headers=headers)
    async with sessions() as session, session.begin():
        await repository.mark_replayed(session, letter_id=letter_id, at=now)
        updated = await repository.get_dead_letter(session, letter_id=letter_id)
    if updated is None:  # deleted meanwhile; nothing deletes letters today
        raise DeadLetterNotFound(letter_id)
    return updated
