"""Builds a FastAPI app with the platform's edge: problem+json errors, body limit, correlation ids, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from shared.bus import KafkaBus
from shared.health import Check, health_router
from shared.middleware import BodySizeLimit, CorrelationId, UrlControlCharacters
from shared.problems import install_problem_handlers
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def new_app(
    *,
    title: str,
    settings: ServiceSettings,
    lifespan: Lifespan,
    checks: Callable[[FastAPI], Mapping[str, Check]],
) -> FastAPI:
    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(UrlControlCharacters)
    app.add_middleware(CorrelationId)
    app.include_router(health_router(lambda: checks(app)))
    return app


def new_edge_app(*, title: str, settings: ServiceSettings, client_id: str) -> FastAPI:
    """An app for a stateless ingest adapter: a started producer in `app.state.bus`, ready when the broker answers."""
    bus = KafkaBus(settings.kafka_bootstrap_servers, client_id=client_id)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        try:
            yield
        finally:
            await bus.stop()

    app = new_app(title=title, settings=settings, lifespan=lifespan, checks=lambda _: {"broker": bus.ping})
    app.state.bus = bus
    return app


def new_service_app(*, title: str, settings: ServiceSettings, runtime: ServiceRuntime) -> FastAPI:
    """An app for a service that owns a database: `runtime` runs for the app's lifetime (`app.state.runtime`)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = new_app(title=title, settings=settings, lifespan=lifespan, checks=lambda _: runtime.checks())
    app.state.runtime = runtime
    return app
