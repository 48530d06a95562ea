"""`python -m router_service migrate` builds, on SQLite and PostgreSQL, exactly the schema the service uses."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from router_service.models import Base
from shared.db import create_engine, session_factory
from tests.integration.router_service.helpers import add_agent, agent, assigned_to, route, waiting

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


async def upgrade_to(database_url: str, revision: str) -> None:
    script = (
        "import sys; from pathlib import Path; from alembic import command; "
        "from shared.migrations import alembic_config; "
        "command.upgrade(alembic_config(Path('router_service'), sys.argv[1]), sys.argv[2])"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, database_url, revision, cwd=REPO, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode(errors="replace")


async def test_upgrading_keeps_agents_and_counts_their_open_cases_per_channel(database_url: str, tmp_path: Path):
    await upgrade_to(database_url, "0001_initial")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO agents (id, name, skills, languages, channels, capacity, active_cases, presence, "
                    "presence_changed_at, created_at, updated_at) VALUES ('lan', 'Lan', '{\"billing\": 2}', "
                    "'[\"vi\"]', '[\"email\", \"sms\"]', 2, 1, 'available', :now, :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            await connection.execute(
                text(
                    "INSERT INTO assignments (id, case_id, agent_id, case_reference, customer_id, channel, category, "
                    "priority, assigned_at, status) VALUES ('a-1', 'old-case', 'lan', 'R-1', 'cu-1', 'email', "
                    "'billing', 'normal', :now, 'active')"
                ),
                {"now": datetime.now(UTC)},
            )
        code, output = await migrate(database_url, tmp_path)
        assert code == 0, output
        sessions = session_factory(engine)
        lan = await agent(sessions, "lan")
        assert (lan.channel_capacity, lan.channel_load, lan.max_total, lan.auto_accept) == (
            {"email": 2, "sms": 2},
            {"email": 1, "sms": 0},
            2,
            False,
        )
        await route(sessions, "new-case")  # the one place left: offered to Lan
        assert (await agent(sessions, "lan")).active_cases == 2
        await route(sessions, "third-case")
        assert await waiting(sessions) == ["third-case"]
    finally:
        await engine.dispose()
