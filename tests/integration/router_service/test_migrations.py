"""`python -m router_service migrate` builds, on SQLite and PostgreSQL, exactly the schema the service uses."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from router_service.models import Base
from shared.db import create_engine, session_factory
from tests.integration.router_service.helpers import add_agent, assigned_to, route

REPO = Path(__file__).resolve().parents[3]
VERSION_TABLE = "alembic_version_router_service"


async def migrate(database_url: str, data_dir: Path) -> tuple[int, str]:
    env = {**os.environ, "ROUTER_SERVICE_DATABASE_URL": database_url, "DATA_DIR": str(data_dir)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "router_service",
        "migrate",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "version_table": VERSION_TABLE})
    return [diff for diff in compare_metadata(context, Base.metadata) if not _is_version_table(diff)]


def _is_version_table(diff: Any) -> bool:
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == VERSION_TABLE


async def test_migrate_builds_the_schema_the_service_uses(database_url: str, tmp_path: Path):
    code, output = await migrate(database_url, tmp_path)
    assert code == 0, output

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
        sessions = session_factory(engine)
        await add_agent(sessions, "lan")
        await route(sessions, "case-1")
        assert await assigned_to(sessions) == {"case-1": "lan"}
    finally:
        await engine.dispose()
