"""Accepting what a provider sends: the event goes to the service's outbox in one transaction, so an answer of
success means it is durable (the relay publishes it when the broker answers).

A failed write is retried here within a deadline (providers time out after some seconds); if the local database
still refuses, the event is published straight to the broker (acknowledged there is durable too) and written to the
outbox later, once the database answers again, so the journal a broker restart replays holds it too. Only when both
fail does the caller answer with its "retry later" status.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import topics
from shared.bus import BrokerUnavailable, KafkaBus
from shared.cloudevents import CloudEvent, new_event
from shared.events import ComplaintMessageReceived
from shared.logs import current_correlation_id
from shared.outbox import enqueue

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[AsyncSession], Awaitable[T]]

# Event ids derive from the provider's message id: the same message delivered again is the same event.
EVENT_NAMESPACE = uuid.UUID("6f0c1b8e-2a4d-5d59-9c39-0f5e4a7d2b61")
WRITE_DEADLINE_SECONDS = 8.0
BROKER_DEADLINE_SECONDS = 4.0
FIRST_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 1.0
JOURNAL_RETRY_SECONDS = 2.0
MAX_JOURNAL_BACKLOG = 10_000


class StorageUnavailable(RuntimeError):
    """Neither the local database nor the broker took the event: nothing was accepted."""


@dataclass(frozen=True)
class Accepted:
    event_id: str
    duplicate: bool


def event_id_for(data: ComplaintMessageReceived) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{data.channel.value}:{data.provider}:{data.provider_message_id}"))


async def event_enqueued(session: AsyncSession, outbox: Table, *, event_id: str) -> bool:
    """Whether the outbox holds the event (pending, or published within the journal's retention)."""
    found = await session.execute(select(outbox.c.id).where(outbox.c.event_id == event_id))
    return found.first() is not None


@dataclass
class Intake:
    """Durable acceptance into the service's `outbox` table; `source` names the service in the events."""

    sessions: async_sessionmaker[AsyncSession]
    bus: KafkaBus
    wake_relay: Callable[[], None]
    outbox: Table
    source: str
    tenant: str = "default"
    write_deadline: float = WRITE_DEADLINE_SECONDS
    _journaling: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    async def accept(
        self, data: ComplaintMessageReceived, *, now: datetime, also: Write[None] | None = None
    ) -> Accepted:
        """Enqueue the message once (with `also`'s writes in the same transaction). Raises StorageUnavailable."""
        event = new_event(
            data,
            source=self.source,
            event_id=event_id_for(data),
            correlation_id=current_correlation_id(),
            time=now,
            tenant=self.tenant,
        )
        return await self.accept_event(event, topic=topics.COMPLAINTS_INBOUND, key=data.sender.address, also=also)

    async def accept_event(
        self, event: CloudEvent, *, topic: str, key: str | None, also: Write[None] | None = None
    ) -> Accepted:
        """Enqueue any event once, by its id (a report, a dead letter). Raises StorageUnavailable."""

        async def write(session: AsyncSession) -> bool:
            if await event_enqueued(session, self.outbox, event_id=event.id):
                return True
            if also is not None:
                await also(session)
            await enqueue(session, self.outbox, topic=topic, key=key, event=event)
            return False

        try:
            duplicate = await self.write(write)
        except StorageUnavailable:
            await self._publish_directly(event, topic=topic, key=key)
            self._journal_later(event, topic=topic, key=key)
            if also is not None:
                # The event is the record that matters (the case service acts on it); the channel's own side note
                # (an SMS opt-out, a call's caller, a WhatsApp window) is lost with the database. Refusing instead
                # would lose the message itself with providers that never retry (Twilio SMS).
                log.warning("event %s accepted without its side write: the local database is unavailable", event.id)
            return Accepted(event_id=event.id, duplicate=False)
        if not duplicate:
            self.wake_relay()
        return Accepted(event_id=event.id, duplicate=duplicate)

    async def write(self, work: Write[T]) -> T:
        """Run `work` in a transaction, retried on failure until the deadline. Raises StorageUnavailable."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.write_deadline
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    async with self.sessions() as session, session.begin():
                        return await work(session)
            except IntegrityError:
                # A concurrent request wrote the same row first: the next attempt sees it.
                reason = "a concurrent write"
            except (DBAPIError, OSError) as error:
                reason = type(error).__name__
            except TimeoutError:
                reason = "the deadline"
            if loop.time() + backoff >= deadline:
                log.error("local storage refused a write until the deadline (last: %s)", reason)
                raise StorageUnavailable(reason)
            log.warning("local storage refused a write (%s); retrying", reason)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _journal_later(self, event: CloudEvent, *, topic: str, key: str | None) -> None:
        """Write an event published straight to the broker into the outbox once the database answers again.

        The relay then publishes it once more (consumers drop the second copy by its event id), and from then on it is
        in the journal a broker restart replays: without this, losing the broker before the event was consumed would
        lose it although the provider was told it was accepted.
        """
        if len(self._journaling) >= MAX_JOURNAL_BACKLOG:
            log.error("event %s is on the broker only: too many events wait for the database", event.id)
            return
        task = asyncio.create_task(self._journal(event, topic=topic, key=key))
        self._journaling.add(task)
        task.add_done_callback(self._journaling.discard)

    async def _journal(self, event: CloudEvent, *, topic: str, key: str | None) -> None:
        async def write(session: AsyncSession) -> None:
            if not await event_enqueued(session, self.outbox, event_id=event.id):
                await enqueue(session, self.outbox, topic=topic, key=key, event=event)

        while True:
            try:
                await self.write(write)
            except StorageUnavailable:
                await asyncio.sleep(JOURNAL_RETRY_SECONDS)
                continue
            log.info("event %s published to the broker directly is in the outbox journal now", event.id)
            self.wake_relay()
            return

    async def _publish_directly(self, event: CloudEvent, *, topic: str, key: str | None) -> None:
        try:
            async with asyncio.timeout(BROKER_DEADLINE_SECONDS):
                await self.bus.publish(topic, event, key=key)
        except (BrokerUnavailable, TimeoutError) as error:
            raise StorageUnavailable(f"database and broker both unavailable: {error}") from error
        log.warning("stored event %s on the broker directly: the local database is unavailable", event.id)
