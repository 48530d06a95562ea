"""Fixtures of the ingest_email tests: its own migrated database beside the one another service uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.migrations import upgrade
from tests.integration.ingest_email.support import PACKAGE_DIR
from tests.support.databases import fresh_postgres_database, sqlite_url


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    return database_url


@pytest.fixture
async def email_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """ingest_email's own database on the same backend as `database_url`, which case_service uses."""
    if database_url.startswith("sqlite"):
        url = sqlite_url(tmp_path, "ingest_email")
        await asyncio.to_thread(upgrade, PACKAGE_DIR, url)
        yield url
        return
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, PACKAGE_DIR, url)
        yield url
