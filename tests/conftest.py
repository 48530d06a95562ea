"""Fixtures every test folder may use: the embedded broker and a database URL for each supported backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.broker import running_broker
from tests.support.databases import fresh_postgres_database, sqlite_url


@pytest.fixture
async def broker() -> AsyncIterator[str]:
    """A fresh in-memory broker for one test; yields its bootstrap address."""
    async with running_broker() as bootstrap:
        yield bootstrap


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, then (second variant) a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    async with fresh_postgres_database() as url:
        yield url
