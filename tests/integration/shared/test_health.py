"""`/readyz` says which dependency fails and a generic reason; the error itself (which names hosts, ports, users,
databases) goes to the log, as its type and names only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from shared.db import create_engine, ping
from shared.settings import ServiceSettings
from shared.webapp import new_app
from tests.support.broker import free_port
from tests.support.databases import fresh_postgres_database


@asynccontextmanager
async def readiness_of(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = new_app(
        title="t", settings=ServiceSettings(), lifespan=lifespan, checks=lambda _: {"database": lambda: ping(engine)}
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield client
    finally:
        await engine.dispose()


async def test_an_unreachable_database_is_named_without_its_address(caplog: pytest.LogCaptureFixture) -> None:
    port = str(free_port())
    caplog.set_level(logging.WARNING, logger="shared.health")
    async with readiness_of(f"postgresql+asyncpg://complaints:complaints@127.0.0.1:{port}/app") as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"database": "failing: not reachable or refused"}}
    assert port not in response.text
    [record] = [r for r in caplog.records if r.name == "shared.health"]
    assert "database" in record.getMessage() and port not in record.getMessage()


@pytest.mark.postgres
async def test_a_missing_database_is_named_without_its_name(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="shared.health")
    async with fresh_postgres_database() as url:
        missing = make_url(url).set(database="readyz_secret_name").render_as_string(hide_password=False)
        async with readiness_of(missing) as client:
            response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing: not reachable or refused"}
    assert "readyz_secret_name" not in response.text
    [record] = [r for r in caplog.records if r.name == "shared.health"]
    assert "InvalidCatalogNameError" in record.getMessage()
    assert "readyz_secret_name" not in record.getMessage()
