"""Alembic glue: every service keeps its migrations in `<package>/migrations` with its own version table."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.db import create_engine


def alembic_config(package_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(package_dir / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(package_dir: Path, database_url: str) -> None:
    """Bring the database at `database_url` to the newest revision of the service in `package_dir`."""
    command.upgrade(alembic_config(package_dir, database_url), "head")


def run_env(metadata: MetaData, *, version_table: str) -> None:
    """The body of a service's `migrations/env.py`, online mode only (the URL comes from the config)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())
