"""Accepting a complaint: the idempotency row and the outbox entry in one transaction, so 202 means durable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import domain, repository
from services.gateway.models import IdempotencyKey, outbox
from services.gateway.schemas import MessageRequest
from shared import topics
from shared.cloudevents import new_event
from shared.logs import current_correlation_id
from shared.outbox import enqueue

SOURCE = "gateway"


@dataclass(frozen=True)
class Accepted:
    event_id: str
    replayed: bool


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


@dataclass(frozen=True)
class Intake:
    sessions: async_sessionmaker[AsyncSession]
    default_region: str
    retention: timedelta
    tenant: str = "default"

    async def accept(self, request: MessageRequest, *, idempotency_key: str, now: datetime) -> Accepted:
        """Enqueue the complaint once per key. Raises IdempotencyKeyReused when the key came with another body."""
        request_hash = domain.fingerprint(request)
        try:
            async with self.sessions() as session, session.begin():
                await repository.forget_idempotency_keys(
                    session, created_before=now - self.retention, key=idempotency_key
                )
                earlier = await repository.find_idempotency_key(session, key=idempotency_key)
                if earlier is not None:
                    return _answer(earlier, request_hash)
                event_id = await self._enqueue(session, request, idempotency_key, request_hash, now)
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as a repeat of it.
            async with self.sessions() as session:
                earlier = await repository.find_idempotency_key(session, key=idempotency_key)
            if earlier is None:
                raise
            return _answer(earlier, request_hash)
        return Accepted(event_id=event_id, replayed=False)

    async def _enqueue(
        self, session: AsyncSession, request: MessageRequest, idempotency_key: str, request_hash: str, now: datetime
    ) -> str:
        data = domain.to_event_data(
            request, idempotency_key=idempotency_key, received_at=now, default_region=self.default_region
        )
        event = new_event(data, source=SOURCE, correlation_id=current_correlation_id(), time=now, tenant=self.tenant)
        await repository.add_idempotency_key(
            session, key=idempotency_key, request_sha256=request_hash, event_id=event.id, created_at=now
        )
        await enqueue(session, outbox, topic=topics.COMPLAINTS_INBOUND, key=data.sender.address, event=event)
        return event.id


def _answer(earlier: IdempotencyKey, request_hash: str) -> Accepted:
    if earlier.request_sha256 != request_hash:
        raise IdempotencyKeyReused(earlier.key)
    return Accepted(event_id=earlier.event_id, replayed=True)
