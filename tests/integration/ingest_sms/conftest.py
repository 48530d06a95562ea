"""Fixtures of the ingest_sms tests: a migrated database, a broker address where nothing listens, a fake Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.ingest_sms.support import ACCOUNT_SID, AUTH_TOKEN, PACKAGE_DIR
from tests.support.fake_twilio import FakeTwilio, running_fake_twilio
from tests.support.service_databases import closed_bootstrap, migrated_url, second_migrated_url

__all__ = ["closed_bootstrap", "migrated_url", "second_migrated_url"]


@pytest.fixture
def package_dir() -> Path:
    return PACKAGE_DIR


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    async with running_fake_twilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake
