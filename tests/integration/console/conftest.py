"""Fixtures of the console tests: a migrated database (SQLite, then PostgreSQL) and the running console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.console.support import PACKAGE_DIR, Console, console_settings, running_console
from tests.support.service_databases import migrated_url

__all__ = ["migrated_url"]


@pytest.fixture
def package_dir() -> Path:
    return PACKAGE_DIR


@pytest.fixture
async def console(migrated_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    """The console on its first start (so with its first admin), calling no service (CONSOLE_API_KEY unset)."""
    async with running_console(console_settings(migrated_url, tmp_path)) as running:
        yield running
