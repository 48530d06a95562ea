"""Databases for tests: a SQLite file per test, and a fresh PostgreSQL database per test when a server is there.

PostgreSQL is found through TEST_POSTGRES_URL (an admin URL, e.g.
postgresql+asyncpg://complaints:complaints@127.0.0.1:5432/postgres). With REQUIRE_POSTGRES=1 (set by CI) a missing
or unreachable server fails the PostgreSQL variants instead of skipping them.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_ADMIN_URL = "postgresql+asyncpg://complaints:complaints@127.0.0.1:5432/postgres"


def postgres_required() -> bool:
    return os.environ.get("REQUIRE_POSTGRES", "") in {"1", "true", "yes"}


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as error:
        await admin.dispose()
        if postgres_required():
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES) but not usable at {admin_url}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {type(error).__name__}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _drop(admin, name)
        await admin.dispose()


async def _drop(admin: AsyncEngine, name: str, *, attempts: int = 20) -> None:
    """Drop the test database. FORCE ends our own leftover connections, but it is refused while an autovacuum worker
    (a superuser's backend) is in the database, so a refusal is retried until the worker has moved on."""
    for attempt in range(attempts):
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.25)


def sqlite_url(directory: Path, name: str = "test") -> str:
    return f"sqlite+aiosqlite:///{(directory / f'{name}.db').as_posix()}"
