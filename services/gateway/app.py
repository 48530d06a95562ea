"""Composition root of the gateway."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Depends, FastAPI

from services.gateway import api
from services.gateway.handlers import on_dead_letter
from services.gateway.housekeeping import KeySweeper
from services.gateway.intake import Intake
from services.gateway.models import Base
from services.gateway.settings import GatewaySettings
from shared import topics
from shared.attachment_route import attachment_router
from shared.attachments import AttachmentStore, store_root
from shared.auth import Role, require_roles
from shared.events import DeadLetterRecorded
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

NAME = "gateway"


def create_app(settings: GatewaySettings) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.DEADLETTER,),
        handlers={DeadLetterRecorded.event_type: on_dead_letter},
    )
    retention = timedelta(hours=settings.idempotency_retention_hours)
    runtime.add_task(KeySweeper(sessions=runtime.sessions, retention=retention))
    app = new_service_app(title="Integrator gateway", settings=settings, runtime=runtime)
    app.state.settings = settings
    store = AttachmentStore(store_root(settings.data_dir, NAME))
    app.state.intake = Intake(
        sessions=runtime.sessions,
        default_region=settings.default_region,
        retention=retention,
        store=store,
        max_attachments=settings.max_attachments,
        max_attachment_bytes=settings.max_attachment_bytes,
        tenant=settings.tenant,
    )
    staff = [Depends(require_roles(settings, Role.ADMIN, Role.SUPERVISOR))]
    app.include_router(api.messages, dependencies=staff)
    app.include_router(api.deadletters, dependencies=staff)
    app.include_router(api.tokens, dependencies=[Depends(require_roles(settings, Role.ADMIN))])
    # The signed link is the credential (shared.attachment_links): case_service hands it to who may see the case.
    app.include_router(attachment_router(store=store, store_name=NAME, link_key=settings.link_key()))
    return app
