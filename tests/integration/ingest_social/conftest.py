"""Fixtures of the ingest_social tests: a migrated database, a broker address where nothing listens, fake
platform APIs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.migrations import upgrade
from tests.integration.ingest_social.support import (
    META_ACCESS_TOKEN,
    PACKAGE_DIR,
    TELEGRAM_BOT_TOKEN,
    X_ACCESS_TOKEN,
    ZALO_ACCESS_TOKEN,
)
from tests.support.broker import free_port
from tests.support.databases import fresh_postgres_database, sqlite_url
from tests.support.fake_platforms import FakePlatforms, running_fake_platforms


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    # Alembic runs its own event loop (asyncio.run): give it a thread of its own.
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    return database_url


@pytest.fixture
async def second_migrated_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """ingest_social's own database on the same backend as `database_url`, which another service uses."""
    if database_url.startswith("sqlite"):
        url = sqlite_url(tmp_path, "ingest_social")
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
async def fake_platforms() -> AsyncIterator[FakePlatforms]:
    async with running_fake_platforms(
        meta_token=META_ACCESS_TOKEN,
        telegram_token=TELEGRAM_BOT_TOKEN,
        zalo_token=ZALO_ACCESS_TOKEN,
        x_token=X_ACCESS_TOKEN,
    ) as fake:
        yield fake
