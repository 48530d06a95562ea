"""Alembic environment of ingest_email (online only; the URL comes from shared.migrations.alembic_config)."""

from ingest_email.models import Base
from shared.migrations import run_env

run_env(Base.metadata, version_table="alembic_version_ingest_email")
