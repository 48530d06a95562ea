"""Fixtures of the gateway tests: a migrated database, and a broker address where nothing listens."""

from __future__ import annotations

import asyncio

import pytest

from shared.migrations import upgrade
from tests.integration.gateway.support import PACKAGE_DIR
from tests.support.broker import free_port


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    # Alembic runs its own event loop (asyncio.run): give it a thread of its own.
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    return database_url


@pytest.fixture
def closed_bootstrap() -> str:
    """An address where no broker listens, as when the broker is down."""
    return f"127.0.0.1:{free_port()}"
