"""What every channel service is built of: its runtime (own database, outbox relay, the outbound consumer), the
spool sender that consumer wakes, durable intake, and the app serving its start-up notes. Each service's
composition root adds its own edge (webhooks, listeners) and housekeeping to this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import topics
from shared.attachment_route import attachment_router
from shared.attachments import AttachmentStore, store_root
from shared.db import is_sqlite
from shared.ingest.intake import Intake
from shared.ingest.media import MediaSource
from shared.ingest.media_jobs import MediaFetcher, MediaJobColumns, MediaJobs
from shared.ingest.notes import serve_startup_notes
from shared.ingest.outbound import OutboundSpooler
from shared.ingest.sender import SpoolSender
from shared.runtime import ServiceRuntime
from shared.settings import DatabaseSettings
from shared.webapp import new_service_app


class SenderFactory(Protocol):
    def __call__(
        self, *, sessions: async_sessionmaker[AsyncSession], skip_locked: bool, on_reported: Callable[[], None]
    ) -> SpoolSender[Any]: ...


@dataclass(frozen=True)
class ChannelService:
    app: FastAPI
    runtime: ServiceRuntime
    sender: SpoolSender[Any]
    intake: Intake
    store: AttachmentStore
    media: MediaIntake | None = None


@dataclass(frozen=True)
class MediaIntake:
    """Where the service's download jobs go (written with the message) and the task that works them off."""

    jobs: MediaJobs
    fetcher: MediaFetcher


def channel_service(
    *,
    name: str,
    title: str,
    settings: DatabaseSettings,
    metadata: MetaData,
    spooler: OutboundSpooler[Any],
    sender: SenderFactory,
    notes: list[str],
    attachments_root: Path | None = None,
    media: tuple[type[MediaJobColumns], MediaSource] | None = None,
    attachment_max_bytes: int = 0,
) -> ChannelService:
    """The service's pieces wired together: `sender` is built on the runtime's sessions; the app keeps `settings`,
    `runtime` and `sender` on its state, answers `notes` on GET /startup-notes and serves the files it stores
    (under `attachments_root`, by default DATA_DIR/attachments/<name>/) by signed link. With `media` (its download
    job table and how it fetches from its providers) it fetches the files its messages refer to, up to
    `attachment_max_bytes` each (shared.ingest.media)."""
    runtime = ServiceRuntime(
        name=name,
        settings=settings,
        metadata=metadata,
        consumer_topics=(topics.OUTBOUND_MESSAGES,),
        handlers=spooler.mapping(),
    )
    spool_sender = sender(
        sessions=runtime.sessions, skip_locked=not is_sqlite(runtime.database_url), on_reported=runtime.relay.wake
    )
    spooler.wake_sender = spool_sender.wake
    runtime.add_task(spool_sender)
    intake = Intake(
        sessions=runtime.sessions,
        bus=runtime.bus,
        wake_relay=runtime.relay.wake,
        outbox=metadata.tables["outbox"],
        source=name,
        tenant=settings.tenant,
    )
    app = new_service_app(title=title, settings=settings, runtime=runtime)
    app.state.settings = settings
    app.state.sender = spool_sender
    if settings.link_key() is None:
        notes = [*notes, "ATTACHMENT_LINK_KEY is not set: the files this service stores cannot be opened or sent"]
    serve_startup_notes(app, runtime, notes)
    store = AttachmentStore(attachments_root or store_root(settings.data_dir, name))
    app.include_router(attachment_router(store=store, store_name=name, link_key=settings.link_key()))
    fetching = None
    if media is not None:
        jobs = MediaJobs(model=media[0], source=media[1])
        fetcher = MediaFetcher(
            jobs=jobs,
            sessions=runtime.sessions,
            outbox=metadata.tables["outbox"],
            source_name=name,
            store=store,
            max_bytes=attachment_max_bytes,
            wake_relay=runtime.relay.wake,
            skip_locked=not is_sqlite(runtime.database_url),
        )
        runtime.add_task(fetcher)
        fetching = MediaIntake(jobs=jobs, fetcher=fetcher)
    return ChannelService(app=app, runtime=runtime, sender=spool_sender, intake=intake, store=store, media=fetching)
