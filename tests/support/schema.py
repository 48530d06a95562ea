"""Whether a migrated database holds exactly the tables a service's models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.db import create_engine


async def schema_differences(url: str, metadata: MetaData, *, version_table: str) -> list[object]:
    """What alembic's autogenerate would change to make the database at `url` match `metadata` (types included)."""

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "version_table": version_table})
        return list(compare_metadata(context, metadata))

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(differences)
    finally:
        await engine.dispose()
