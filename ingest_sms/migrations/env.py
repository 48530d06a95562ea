"""Alembic environment of ingest_sms (online only; the URL comes from shared.migrations.alembic_config)."""

from ingest_sms.models import Base
from shared.migrations import run_env

run_env(Base.metadata, version_table="alembic_version_ingest_sms")
