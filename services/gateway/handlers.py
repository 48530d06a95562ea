"""Handlers of the events the gateway consumes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import repository
from shared.cloudevents import CloudEvent
from shared.events import DeadLetterRecorded


async def on_dead_letter(session: AsyncSession, event: CloudEvent, data: DeadLetterRecorded) -> None:
    """Keep the letter under its event id; a redelivered letter changes nothing."""
    if await repository.dead_letter_exists(session, letter_id=event.id):
        return
    await repository.add_dead_letter(session, letter_id=event.id, letter=data, recorded_at=datetime.now(UTC))
