"""Fixtures of the console tests: a migrated database (SQLite, then PostgreSQL), the running console, and the real
gateway over HTTP for the tests that need access tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import services.gateway
from services.gateway.app import create_app as create_gateway
from services.gateway.settings import GatewaySettings
from shared.migrations import upgrade
from shared.settings import hash_api_key
from tests.integration.console.support import (
    API_KEY,
    PACKAGE_DIR,
    SIGNING_KEY,
    Console,
    console_settings,
    running_console,
    served_over_http,
)
from tests.support.broker import free_port
from tests.support.databases import sqlite_url
from tests.support.service_databases import migrated_url

__all__ = ["migrated_url"]


@pytest.fixture
def package_dir() -> Path:
    return PACKAGE_DIR


@pytest.fixture
async def gateway_url(tmp_path: Path) -> AsyncIterator[str]:
    """The real gateway over HTTP (its database on SQLite; no broker: tokens need none)."""
    url = sqlite_url(tmp_path, "gateway")
    await asyncio.to_thread(upgrade, Path(services.gateway.__file__).parent, url)
    settings = GatewaySettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        api_key_hashes=hash_api_key(API_KEY),
        token_signing_key=SIGNING_KEY,
    )
    app = create_gateway(settings)
    app.state.runtime.consumer = None
    async with served_over_http(app) as base_url:
        yield base_url


@pytest.fixture
async def console(migrated_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    """The console on its first start (so with its first admin), calling no service (CONSOLE_API_KEY unset)."""
    async with running_console(console_settings(migrated_url, tmp_path)) as running:
        yield running
