"""The migrations build exactly the tables the models describe, on every supported database."""

from __future__ import annotations

from services.gateway.models import Base
from tests.support.schema import schema_differences


async def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    assert await schema_differences(migrated_url, Base.metadata, version_table="alembic_version_gateway") == []
