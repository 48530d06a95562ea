"""Alembic environment of ingest_social (online only; the URL comes from shared.migrations.alembic_config)."""

from ingest_social.models import Base
from shared.migrations import run_env

run_env(Base.metadata, version_table="alembic_version_ingest_social")
