"""Composition root of case_service: the runtime (database, bus, outbox relay, consumer, scheduler), the live stream's
broadcaster and the API."""

from __future__ import annotations

from fastapi import FastAPI

from case_service.api import api_router
from case_service.downloads import links_from
from case_service.handlers import CaseHandlers
from case_service.live import BROADCASTER, Broadcaster
from case_service.models import Base
from case_service.policy import policy_from
from case_service.reply_files import ReplyFiles
from case_service.scheduler import Scheduler
from case_service.settings import SERVICE_NAME, CaseServiceSettings
from shared import topics
from shared.attachment_route import attachment_router
from shared.attachments import AttachmentStore, store_root
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app


def create_app(settings: CaseServiceSettings, *, consume_events: bool = True, schedule: bool = True) -> FastAPI:
    """The service. With `consume_events=False` it only serves the API and relays its outbox (no consumer joins
    the group), e.g. an extra read replica, or a test of the API alone; `schedule=False` leaves SLA and follow-up
    timers to other instances."""
    policy = policy_from(settings)
    runtime = ServiceRuntime(
        name=SERVICE_NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.COMPLAINTS_INBOUND, topics.ROUTING_EVENTS),
        handlers=CaseHandlers(settings, policy).mapping() if consume_events else None,
    )
    broadcaster = Broadcaster(queue_size=settings.stream_queue_size)
    # Every session carries the broadcaster, so what the consumer, the scheduler and the API commit reaches the streams.
    runtime.sessions.configure(info={BROADCASTER: broadcaster})
    if schedule:
        runtime.add_task(Scheduler(runtime.sessions, policy=policy, settings=settings, wake=runtime.relay.wake))

    app = new_service_app(title="Case service", settings=settings, runtime=runtime)
    app.state.policy = policy
    app.state.tenant = settings.tenant
    app.state.links = links_from(settings)
    app.state.store = AttachmentStore(store_root(settings.data_dir, SERVICE_NAME))
    app.state.reply_files = ReplyFiles(
        store=app.state.store,
        links=app.state.links,
        max_count=settings.max_attachments,
        max_bytes=settings.max_attachment_bytes,
    )
    app.state.broadcaster = broadcaster
    app.include_router(api_router(settings))
    # Files agents attached to replies; the signed link is the credential (shared.attachment_links).
    app.include_router(attachment_router(store=app.state.store, store_name=SERVICE_NAME, link_key=settings.link_key()))
    return app
