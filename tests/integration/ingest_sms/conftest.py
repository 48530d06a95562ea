"""Fixtures of the ingest_sms tests: a migrated database, a broker address where nothing listens, a fake Twilio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.migrations import upgrade
from tests.integration.ingest_sms.support import ACCOUNT_SID, AUTH_TOKEN, PACKAGE_DIR
from tests.support.broker import free_port
from tests.support.databases import fresh_postgres_database, sqlite_url
from tests.support.fake_twilio import FakeTwilio, running_fake_twilio


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    # Alembic runs its own event loop (asyncio.run): give it a thread of its own.
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    return database_url


@pytest.fixture
async def second_migrated_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """ingest_sms's own database on the same backend as `database_url`, which another service uses."""
    if database_url.startswith("sqlite"):
        url = sqlite_url(tmp_path, "ingest_sms")
        await asyncio.to_thread(upgrade, PACKAGE_DIR, url)
        yield url
        return
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, PACKAGE_DIR, url)
        yield url


@pytest.fixture
def closed_bootstrap() -> str:
    """An address where no broker listens, as when the broker is down."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    async with running_fake_twilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake
