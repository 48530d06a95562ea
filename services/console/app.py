"""Composition root of the console."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.console import errors
from services.console.csrf import CsrfGuard
from services.console.first_admin import ensure_first_admin
from services.console.headers import SecurityHeaders
from services.console.pages import STATIC_DIR, Pages
from services.console.public import state as public_state
from services.console.screens import SCREENS
from services.console.service_tokens import TokenKeeper
from services.console.services_client import ServicesClient
from services.console.sessions import SessionStore
from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState
from services.console.throttle import ThrottlePolicy
from shared.db import create_engine, ping, session_factory
from shared.health import health_router
from shared.middleware import CorrelationId, UrlControlCharacters
from shared.problems import install_problem_handlers

NAME = "console"
log = logging.getLogger(__name__)


def create_app(settings: ConsoleSettings) -> FastAPI:
    pages = Pages(
        nav=[screen.NAV for screen in SCREENS if screen.NAV is not None], default_language=settings.default_language
    )
    engine = create_engine(settings.resolved_database_url(NAME), pool_size=settings.database_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = session_factory(engine)
        client = ServicesClient(settings)
        app.state.console = ConsoleState(
            settings=settings,
            db=db,
            sessions=SessionStore(sessions=db, lifetime=timedelta(hours=settings.session_hours)),
            client=client,
            tokens=TokenKeeper(client, lifetime=timedelta(minutes=settings.service_token_minutes)),
            pages=pages,
            throttle=ThrottlePolicy(
                max_failures=settings.login_max_failures,
                max_failures_per_address=settings.login_max_failures_per_address,
                window=timedelta(minutes=settings.login_window_minutes),
            ),
        )
        app.state.public = public_state.build(settings, pages=pages, db=db, client=client)
        try:
            await ensure_first_admin(db, data_dir=settings.data_dir, language=settings.default_language)
            for note in startup_notes(settings):
                log.warning("%s", note)
            yield
        finally:
            await client.close()
            await engine.dispose()

    app = FastAPI(title="Console", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    install_problem_handlers(app)
    errors.install_error_pages(app)
    # Innermost first: the CSRF guard reads bodies the size limit has already bounded.
    app.add_middleware(CsrfGuard)
    app.add_middleware(
        public_state.BodyLimits,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=public_state.upload_body_limit(settings),
    )
    app.add_middleware(UrlControlCharacters)
    app.add_middleware(CorrelationId)
    app.add_middleware(SecurityHeaders)
    app.include_router(health_router(lambda: {"database": lambda: ping(engine)}))

    @app.get("/startup-notes", include_in_schema=False)
    async def _startup_notes() -> dict[str, list[str]]:
        return {"notes": startup_notes(settings)}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for screen in SCREENS:
        app.include_router(screen.router)
    return app


def startup_notes(settings: ConsoleSettings) -> list[str]:
    if settings.api_key is None:
        return ["CONSOLE_API_KEY is not set: people can sign in, but the console cannot call the services for them"]
    return []
