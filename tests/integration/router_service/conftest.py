"""Fixtures of the router_service integration tests: a database with the service's schema, the running app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from router_service.app import create_app
from router_service.models import Base
from shared import topics
from shared.bus import ensure_topics
from shared.db import create_engine, session_factory
from tests.integration.router_service.helpers import API_KEY, router_settings


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=8)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def app(broker: str, database_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The service against the test broker and a database holding its schema, without its event consumer.

    The API tests call handlers directly instead of consuming: joining the consumer group costs ~5 s per test.
    test_flow.py runs the whole service, consumer included.
    """
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    app = create_app(router_settings(broker, database_url))
    app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://router", headers=headers) as client:
        yield client
