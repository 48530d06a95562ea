"""Composition root of case_service: the runtime (database, bus, outbox relay, consumer) and the read API."""

from __future__ import annotations

from fastapi import FastAPI

from case_service.api import api_router
from case_service.handlers import handlers_for
from case_service.models import Base
from case_service.settings import SERVICE_NAME, CaseServiceSettings
from shared import topics
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app


def create_app(settings: CaseServiceSettings, *, consume_events: bool = True) -> FastAPI:
    """The service. With `consume_events=False` it only serves the API and relays its outbox (no consumer joins
    the group), e.g. an extra read replica, or a test of the API alone."""
    runtime = ServiceRuntime(
        name=SERVICE_NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.COMPLAINTS_INBOUND, topics.ROUTING_EVENTS),
        handlers=handlers_for(settings) if consume_events else None,
    )

    app = new_service_app(title="Case service", settings=settings, runtime=runtime)
    app.include_router(api_router(settings))
    return app
