"""The gateway's settings: defaults, GATEWAY_ prefix, and refusal of invalid values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.gateway.settings import GatewaySettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    names = ("PORT", "MAX_BODY_BYTES", "DEFAULT_REGION", "DATABASE_URL", "IDEMPOTENCY_RETENTION_HOURS")
    for name in (*names, "MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES"):
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.delenv("DATA_DIR", raising=False)


def test_defaults() -> None:
    settings = GatewaySettings()
    # Room for the text and five files of 10 MiB, in base64.
    assert (settings.port, settings.max_attachments, settings.max_attachment_bytes) == (8000, 5, 10 * 1024 * 1024)
    assert settings.max_body_bytes == 262_144 + 5 * 13_981_016
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


def test_the_body_limit_follows_the_attachment_limits_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_MAX_ATTACHMENTS", "2")
    monkeypatch.setenv("GATEWAY_MAX_ATTACHMENT_BYTES", "3000")
    assert GatewaySettings().max_body_bytes == 262_144 + 2 * 4000
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "100000")
    assert GatewaySettings().max_body_bytes == 100_000
