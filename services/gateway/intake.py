"""Accepting a complaint: its files stored first, then the idempotency row and the outbox entry in one
transaction, so 202 means durable (the files included)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import domain, repository
from services.gateway.models import IdempotencyKey, outbox
from services.gateway.schemas import MessageRequest
from shared import topics
from shared.attachments import Accepted as AcceptedFile
from shared.attachments import AttachmentStore
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
    store: AttachmentStore
    max_attachments: int
    max_attachment_bytes: int
    tenant: str = "default"

    async def accept(self, request: MessageRequest, *, idempotency_key: str, now: datetime) -> Accepted:
        """Enqueue the complaint once per key. Raises IdempotencyKeyReused when the key came with another body;
        domain.TooManyAttachments, or shared.attachments' Unreadable or Refused, for a file that cannot be taken
        (nothing is accepted then); OSError when a file could not be stored."""
        request_hash, files = await asyncio.to_thread(self._prepare, request)
        if files:
            await asyncio.to_thread(self._store, files)
        try:
            async with self.sessions() as session, session.begin():
                await repository.forget_idempotency_keys(
                    session, created_before=now - self.retention, key=idempotency_key
                )
                earlier = await repository.find_idempotency_key(session, key=idempotency_key)
                if earlier is not None:
                    return _answer(earlier, request_hash)
                event_id = await self._enqueue(session, request, idempotency_key, request_hash, now, files)
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as a repeat of it.
            async with self.sessions() as session:
                earlier = await repository.find_idempotency_key(session, key=idempotency_key)
            if earlier is None:
                raise
            return _answer(earlier, request_hash)
        return Accepted(event_id=event_id, replayed=False)

    def _prepare(self, request: MessageRequest) -> tuple[str, list[AcceptedFile]]:
        """Off the event loop: hashing and decoding megabytes of base64 takes a while."""
        files = domain.accepted_files(request, max_count=self.max_attachments, max_bytes=self.max_attachment_bytes)
        return domain.fingerprint(request), files

    def _store(self, files: Sequence[AcceptedFile]) -> None:
        for file in files:
            self.store.put(file.sha256, file.content)

    async def _enqueue(
        self,
        session: AsyncSession,
        request: MessageRequest,
        idempotency_key: str,
        request_hash: str,
        now: datetime,
        files: Sequence[AcceptedFile],
    ) -> str:
        data = domain.to_event_data(
            request,
            idempotency_key=idempotency_key,
            received_at=now,
            default_region=self.default_region,
            files=files,
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
