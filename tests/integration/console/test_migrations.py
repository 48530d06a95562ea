"""`python -m services.console migrate` builds, on SQLite and PostgreSQL, exactly the schema the console uses."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from services.console.models import Base
from shared.db import create_engine

REPO = Path(__file__).resolve().parents[3]
VERSION_TABLE = "alembic_version_console"


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "version_table": VERSION_TABLE})
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        if not (isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == VERSION_TABLE)
    ]


async def test_migrate_builds_the_schema_the_console_uses(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CONSOLE_DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.console",
        "migrate",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
