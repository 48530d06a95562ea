from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from case_service.app import create_app
from case_service.handlers import CaseHandlers
from case_service.settings import CaseServiceSettings
from shared import topics
from shared.bus import ensure_topics
from shared.db import create_engine, session_factory
from tests.integration.case_service.builders import create_schema, settings_for
from tests.integration.case_service.case_api import CaseApi, running_case_api
from tests.integration.case_service.desk_kit import Desk, running_desk
from tests.integration.case_service.inbound_kit import Inbound


@pytest.fixture
def settings(database_url: str) -> CaseServiceSettings:
    return settings_for(database_url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await create_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def handlers(settings: CaseServiceSettings) -> CaseHandlers:
    return CaseHandlers(settings)


@pytest.fixture
def inbound(settings: CaseServiceSettings) -> Inbound:
    """Customers' messages through the real handler, in their own transactions."""
    return Inbound(settings)


@pytest.fixture
async def api(database_url: str, broker: str) -> AsyncIterator[CaseApi]:
    """case_service's API in-process on a fresh schema and the real broker."""
    async with running_case_api(database_url, broker) as running:
        yield running


@pytest.fixture
async def desk(database_url: str, broker: str) -> AsyncIterator[Desk]:
    """The API with customers' messages, agents' actions and the scheduler on a clock the test moves."""
    async with running_desk(database_url, broker) as running:
        yield running


@asynccontextmanager
async def running_service(
    database_url: str, broker: str, *, consume_events: bool
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """case_service in-process (lifespan entered) on a fresh schema and the real broker, with an HTTP client."""
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    engine = create_engine(database_url)
    await create_schema(engine)
    await engine.dispose()
    app = create_app(settings_for(database_url, broker), consume_events=consume_events)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://case-service") as client:
            yield app, client


@pytest.fixture
async def service(database_url: str, broker: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The API without the consumer: joining a consumer group costs seconds these tests do not need."""
    async with running_service(database_url, broker, consume_events=False) as running:
        yield running


@pytest.fixture
async def consuming_service(database_url: str, broker: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The whole service, consuming its topics."""
    async with running_service(database_url, broker, consume_events=True) as running:
        yield running
