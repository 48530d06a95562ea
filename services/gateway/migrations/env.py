"""Alembic environment of the gateway (online only; the URL comes from shared.migrations.alembic_config)."""

from services.gateway.models import Base
from shared.migrations import run_env

run_env(Base.metadata, version_table="alembic_version_gateway")
