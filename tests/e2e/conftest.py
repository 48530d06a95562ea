"""Fixtures of the end-to-end tests: launchers started as processes and always cleaned up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.launcher import Launchers


@pytest.fixture
async def launchers(tmp_path: Path) -> AsyncIterator[Launchers]:
    started = Launchers(tmp_path)
    try:
        yield started
    finally:
        await started.close()
