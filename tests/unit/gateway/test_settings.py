"""The gateway's settings: defaults, GATEWAY_ prefix, and refusal of invalid values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.gateway.settings import GatewaySettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("PORT", "MAX_BODY_BYTES", "DEFAULT_REGION", "DATABASE_URL", "IDEMPOTENCY_RETENTION_HOURS"):
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.delenv("DATA_DIR", raising=False)


def test_defaults() -> None:
    settings = GatewaySettings()
    assert (settings.port, settings.max_body_bytes) == (8000, 262_144)
    assert (settings.default_region, settings.idempotency_retention_hours) == ("VN", 24)
    assert settings.resolved_database_url("gateway") == "sqlite+aiosqlite:///var/gateway.db"


def test_read_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "9100")
    monkeypatch.setenv("GATEWAY_DEFAULT_REGION", "US")
    monkeypatch.setenv("GATEWAY_IDEMPOTENCY_RETENTION_HOURS", "48")
    settings = GatewaySettings()
    assert (settings.port, settings.default_region, settings.idempotency_retention_hours) == (9100, "US", 48)


@pytest.mark.parametrize("region", ["vn", "Vietnam", ""])
def test_region_must_be_a_country_code(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    monkeypatch.setenv("GATEWAY_DEFAULT_REGION", region)
    with pytest.raises(ValidationError):
        GatewaySettings()
