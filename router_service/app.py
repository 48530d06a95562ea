"""Composition root of router_service."""

from __future__ import annotations

from functools import partial

from fastapi import Depends, FastAPI

from router_service import api
from router_service.handlers import on_case_opened
from router_service.models import Base
from router_service.settings import RouterServiceSettings
from shared import topics
from shared.auth import require_api_key
from shared.events import CaseOpened
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

SERVICE_NAME = "router_service"


def create_app(settings: RouterServiceSettings) -> FastAPI:
    runtime = ServiceRuntime(
        name=SERVICE_NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.CASES_EVENTS,),
        handlers={CaseOpened.event_type: partial(on_case_opened, policy=settings.routing_policy())},
    )

    app = new_service_app(title="Router service", settings=settings, runtime=runtime)
    app.include_router(api.router, dependencies=[Depends(require_api_key(settings.accepted_key_hashes()))])
    return app
