"""The alembic migration builds exactly the schema the models describe, on SQLite and PostgreSQL, and works."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

import case_service
from case_service.handlers import CaseHandlers
from case_service.models import Base, Case
from shared.db import create_engine, session_factory
from shared.migrations import alembic_config, upgrade
from tests.integration.case_service.builders import envelope, outbox_events, received, settings_for

PACKAGE_DIR = Path(case_service.__file__).parent
VERSION_TABLE = "alembic_version_case_service"


def schema_differences(connection: Connection) -> list[object]:
    opts = {"compare_type": True, "version_table": VERSION_TABLE}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_migration_matches_the_models_and_can_be_used(database_url: str) -> None:
    # alembic runs its own event loop (shared.migrations.run_env), so it gets a thread of its own.
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
        sessions = session_factory(engine)
        data = received()
        async with sessions() as session, session.begin():
            await CaseHandlers(settings_for(database_url)).on_message_received(session, envelope(data), data)
        async with sessions() as session:
            case = (await session.execute(select(Case))).scalar_one()
        assert case.status == "new"
        assert [e["type"] for e in await outbox_events(engine)] == ["case.opened.v1", "outbound.message.requested.v1"]
    finally:
        await engine.dispose()


async def test_migration_downgrades_to_an_empty_schema(database_url: str) -> None:
    await asyncio.to_thread(upgrade, PACKAGE_DIR, database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(PACKAGE_DIR, database_url), "base")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert tables == [VERSION_TABLE]
