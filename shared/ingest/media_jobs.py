"""The download jobs of the files customers send by reference (shared.ingest.media), and the task that works them
off, so the provider is never kept waiting and no file is forgotten.

Accepting the webhook writes the message's job in the same transaction as the message (`MediaJobs.plan`, through
Intake's `also`), so a job exists for every message the provider was told we have. The `MediaFetcher` then fetches,
judges and stores the files (shared.attachments) and announces them with one `complaint.attachments_stored.v1` per
message (its outbox entry and the job's removal in one transaction); transient failures are retried with backoff for
up to an hour, then the file is reported with its `download_error`.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import JSON, Integer, String, Table, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared import topics
from shared.attachments import AttachmentStore, Refused, judge, media_type
from shared.background import BackgroundTask, run_batches
from shared.cloudevents import new_event
from shared.db import UtcDateTime, as_utc
from shared.events import AttachmentMeta, Channel, ComplaintAttachmentsStored, ComplaintMessageReceived
from shared.ingest.intake import Write, event_id_for
from shared.ingest.media import (
    NOT_THE_PROVIDERS_HOST,
    REQUEST_TIMEOUT_SECONDS,
    FetchFailed,
    FetchRefused,
    MediaRef,
    MediaSource,
)
from shared.logs import current_correlation_id
from shared.outbox import enqueue

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=10)
BATCH = 5
_EVENTS = uuid.UUID("0f7f6f7e-93a4-5b61-8d2c-2d9a2c1b6e58")


class MediaJobColumns:
    """A message whose files are still to be fetched (removed once they are announced)."""

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(50))
    provider_message_id: Mapped[str] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(String(500))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    refs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    tenant: Mapped[str] = mapped_column(String(200))
    correlation_id: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class MediaJobs:
    """What becomes of a message's references: a URL off the provider's hosts is refused on the spot (the event
    says so, `url_refused`), the rest `source` can fetch become the message's download job."""

    model: type[MediaJobColumns]
    source: MediaSource

    def plan(
        self, data: ComplaintMessageReceived, refs: Sequence[MediaRef], *, now: datetime, tenant: str
    ) -> tuple[ComplaintMessageReceived, Write[None] | None]:
        """The message as it is accepted, and the write of its download job (None: nothing to fetch)."""
        count = len(data.attachments)
        refs = [ref for ref in refs if 0 <= ref.index < count]
        refused = {ref.index for ref in refs if not self.source.allows(data.channel, ref)}
        if refused:  # validated again, so the event notes the refusals as it notes any other
            data = ComplaintMessageReceived.model_validate(
                {**data.model_dump(), "attachments": _refused(data.attachments, refused)}
            )
        wanted = [ref for ref in refs if ref.index not in refused and self.source.can_fetch(data.channel, ref)]
        if not wanted:
            return data, None
        job = self.model()
        job.event_id = event_id_for(data)
        job.channel = data.channel.value
        job.provider = data.provider
        job.provider_message_id = data.provider_message_id
        job.key = data.sender.address
        job.attachments = [attachment.model_dump(mode="json") for attachment in data.attachments]
        job.refs = [ref.as_json() for ref in wanted]
        job.attempts = 0
        job.next_attempt_at = job.created_at = now
        job.tenant = tenant
        job.correlation_id = current_correlation_id()

        async def write(session: AsyncSession) -> None:
            if await session.get(self.model, job.event_id) is None:
                session.add(job)

        return data, write


def _refused(attachments: tuple[AttachmentMeta, ...], indexes: set[int]) -> list[dict[str, Any]]:
    return [
        {**attachment.model_dump(), "url": None, "url_refused": NOT_THE_PROVIDERS_HOST}
        if index in indexes
        else attachment.model_dump()
        for index, attachment in enumerate(attachments)
    ]


def both(first: Write[None] | None, second: Write[None] | None) -> Write[None] | None:
    """One `also` for Intake out of two (either may be None)."""
    if first is None or second is None:
        return first or second

    async def write(session: AsyncSession) -> None:
        await first(session)
        await second(session)

    return write


@dataclass(frozen=True)
class Outcome:
    """What became of one file: its new metadata, or None to try again later (with why)."""

    attachment: dict[str, Any] | None
    retry: str | None = None


class MediaFetcher(BackgroundTask):
    """Fetches the files of the due jobs, stores them, announces them; wake it after accepting a message."""

    task_name = "media-fetcher"

    def __init__(
        self,
        *,
        jobs: MediaJobs,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        source_name: str,
        store: AttachmentStore,
        max_bytes: int,
        wake_relay: Callable[[], None],
        skip_locked: bool,
        poll_seconds: float = 1.0,
        client: Callable[[], httpx.AsyncClient] = lambda: httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS),
    ) -> None:
        super().__init__()
        self._jobs = jobs
        self._sessions = sessions
        self._outbox = outbox
        self._source_name = source_name
        self._store = store
        self._max_bytes = max_bytes
        self._wake_relay = wake_relay
        self._skip_locked = skip_locked
        self._poll = poll_seconds
        self._client = client
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with self._client() as http:

            async def batch() -> int:
                return await self.fetch_due(http, now=datetime.now(UTC))

            await run_batches(batch, name=self.task_name, size=BATCH, wake=self._wake, poll_seconds=self._poll)

    async def fetch_due(self, http: httpx.AsyncClient, *, now: datetime) -> int:
        claimed = await self._claim(now=now)
        if claimed:
            await asyncio.gather(*(self._work(http, job) for job in claimed))
        return len(claimed)

    async def _claim(self, *, now: datetime) -> list[MediaJobColumns]:
        model = self._jobs.model
        async with self._sessions() as session, session.begin():
            query = select(model).where(model.next_attempt_at <= now).order_by(model.next_attempt_at).limit(BATCH)
            if self._skip_locked:
                query = query.with_for_update(skip_locked=True)
            due = list((await session.scalars(query)).all())
            for job in due:
                job.attempts += 1
                job.next_attempt_at = now + LEASE  # a process that dies mid-fetch leaves it to be tried again
            await session.flush()
            session.expunge_all()
        return due

    async def _work(self, http: httpx.AsyncClient, job: MediaJobColumns) -> None:
        channel = Channel(job.channel)
        refs = [MediaRef.from_json(raw) for raw in job.refs]
        outcomes = [await self._outcome(http, channel, ref, job.attachments[ref.index]) for ref in refs]
        now = datetime.now(UTC)
        retries = [outcome.retry for outcome in outcomes if outcome.retry is not None]
        given_up = now - as_utc(job.created_at) >= GIVE_UP_AFTER
        if retries and not given_up:
            await self._later(job, retries[0], now=now)
            return
        attachments = [dict(item) for item in job.attachments]
        for ref, outcome in zip(refs, outcomes, strict=True):
            attachments[ref.index] = outcome.attachment or {**attachments[ref.index], "download_error": outcome.retry}
        await self._announce(job, attachments, now=now)

    async def _outcome(
        self, http: httpx.AsyncClient, channel: Channel, ref: MediaRef, attachment: Mapping[str, Any]
    ) -> Outcome:
        try:
            fetched = await self._jobs.source.fetch(http, channel, ref, max_bytes=self._max_bytes)
            declared = attachment.get("content_type")
            content_type = media_type(fetched.content_type if _vague(declared) else declared)
            accepted = judge(
                filename=attachment.get("filename") or _name_for(channel, ref.index, content_type),
                content_type=content_type,
                content=fetched.content,
                max_bytes=self._max_bytes,
            )
            await asyncio.to_thread(self._store.put, accepted.sha256, accepted.content)
        except FetchRefused as refused:
            if refused.url_refused:
                return Outcome({**attachment, "url": None, "url_refused": refused.reason})
            return Outcome({**attachment, "download_error": refused.reason})
        except Refused as refused:
            return Outcome({**attachment, "download_error": refused.reason})
        except FetchFailed as failed:
            if failed.transient:
                return Outcome(None, retry=failed.reason)
            return Outcome({**attachment, "download_error": failed.reason})
        except OSError as error:
            return Outcome(None, retry=f"could not store the file: {type(error).__name__}")
        return Outcome(
            {
                **attachment,
                "filename": accepted.filename,
                "content_type": accepted.content_type,
                "size": accepted.size,
                "sha256": accepted.sha256,
                "store": self._source_name,
                "url_refused": None,  # the link was not one to show; the file is ours now
                "download_error": None,
            }
        )

    async def _later(self, job: MediaJobColumns, reason: str, *, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(self._jobs.model, job.event_id)
            if row is not None:
                row.error = reason
                row.next_attempt_at = now + min(timedelta(seconds=5 * 2**job.attempts), MAX_BACKOFF)
        log.warning("files of a %s message not fetched yet (%s); retrying later", job.channel, reason)

    async def _announce(self, job: MediaJobColumns, attachments: list[dict[str, Any]], *, now: datetime) -> None:
        data = ComplaintAttachmentsStored(
            channel=Channel(job.channel),
            provider=job.provider,
            provider_message_id=job.provider_message_id,
            attachments=tuple(AttachmentMeta.model_validate(item) for item in attachments),
            stored_at=now,
        )
        event = new_event(
            data,
            source=self._source_name,
            event_id=str(uuid.uuid5(_EVENTS, job.event_id)),
            correlation_id=job.correlation_id,
            time=now,
            tenant=job.tenant,
        )
        async with self._sessions() as session, session.begin():
            await session.execute(delete(self._jobs.model).where(self._jobs.model.event_id == job.event_id))
            await enqueue(session, self._outbox, topic=topics.COMPLAINTS_INBOUND, key=job.key, event=event)
        self._wake_relay()


def _vague(declared: Any) -> bool:
    """A declared type that says little (`image/*`, nothing): the provider's answer says more."""
    return not isinstance(declared, str) or not declared or "*" in declared


def _name_for(channel: Channel, index: int, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ""
    return f"{channel.value}-{index + 1}{extension}"
