"""Fixtures of the ingest_email tests: its own migrated database beside the one another service uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.ingest_email.support import PACKAGE_DIR
from tests.support.service_databases import migrated_url, second_migrated_url

__all__ = ["migrated_url", "second_migrated_url"]


@pytest.fixture
def package_dir() -> Path:
    return PACKAGE_DIR
