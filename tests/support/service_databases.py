"""Fixtures for the tests of a service that owns a database: its migrated database, a second one beside the one
another service uses, and a broker address where nothing listens.

A test package imports them into its conftest.py and says whose migrations to run with a `package_dir` fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.migrations import upgrade
from tests.support.broker import free_port
from tests.support.databases import fresh_postgres_database, sqlite_url


async def migrate(package_dir: Path, url: str) -> None:
    # Alembic runs its own event loop (asyncio.run): give it a thread of its own.
    await asyncio.to_thread(upgrade, package_dir, url)


@pytest.fixture
async def migrated_url(database_url: str, package_dir: Path) -> str:
    await migrate(package_dir, database_url)
    return database_url


@pytest.fixture
async def second_migrated_url(database_url: str, tmp_path: Path, package_dir: Path) -> AsyncIterator[str]:
    """The service's own database on the same backend as `database_url`, which another service uses."""
    if database_url.startswith("sqlite"):
        url = sqlite_url(tmp_path, package_dir.name)
        await migrate(package_dir, url)
        yield url
        return
    async with fresh_postgres_database() as url:
        await migrate(package_dir, url)
        yield url


@pytest.fixture
def closed_bootstrap() -> str:
    """An address where no broker listens, as when the broker is down."""
    return f"127.0.0.1:{free_port()}"
