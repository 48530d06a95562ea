"""Fixtures of the ingest_social tests: a migrated database, a broker address where nothing listens, fake
platform APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.ingest_social.support import (
    META_ACCESS_TOKEN,
    PACKAGE_DIR,
    TELEGRAM_BOT_TOKEN,
    X_ACCESS_TOKEN,
    ZALO_ACCESS_TOKEN,
)
from tests.support.fake_platforms import FakePlatforms, running_fake_platforms
from tests.support.service_databases import closed_bootstrap, migrated_url, second_migrated_url

__all__ = ["closed_bootstrap", "migrated_url", "second_migrated_url"]


@pytest.fixture
def package_dir() -> Path:
    return PACKAGE_DIR


@pytest.fixture
async def fake_platforms() -> AsyncIterator[FakePlatforms]:
    async with running_fake_platforms(
        meta_token=META_ACCESS_TOKEN,
        telegram_token=TELEGRAM_BOT_TOKEN,
        zalo_token=ZALO_ACCESS_TOKEN,
        x_token=X_ACCESS_TOKEN,
    ) as fake:
        yield fake
