"""The migrations build exactly the tables the models describe, on every supported database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from ingest_social.models import Base
from shared.db import create_engine


async def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "alembic_version_ingest_social"}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
