"""Alembic environment of the console (online only; the URL comes from shared.migrations.alembic_config)."""

from services.console.models import Base
from shared.migrations import run_env

run_env(Base.metadata, version_table="alembic_version_console")
