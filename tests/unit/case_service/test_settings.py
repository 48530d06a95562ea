"""case_service reads its own settings from CASE_SERVICE_* and the shared ones unprefixed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from case_service.settings import CaseServiceSettings
from shared.events import Priority


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CASE_SERVICE_PORT", "CASE_SERVICE_DEFAULT_REGION", "CASE_SERVICE_DEFAULT_CATEGORY"):
        monkeypatch.delenv(name, raising=False)
    settings = CaseServiceSettings(_env_file=None)
    assert (settings.port, settings.default_region, settings.default_category) == (8004, "VN", "general")
    assert settings.default_priority is Priority.NORMAL
    assert settings.resolved_database_url("case_service").endswith("/case_service.db")


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASE_SERVICE_PORT", "9004")
    monkeypatch.setenv("CASE_SERVICE_DEFAULT_PRIORITY", "high")
    monkeypatch.setenv("CASE_SERVICE_DEFAULT_REGION", "SG")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    settings = CaseServiceSettings(_env_file=None)
    assert (settings.port, settings.default_priority, settings.default_region) == (9004, Priority.HIGH, "SG")
    assert settings.kafka_bootstrap_servers == "kafka:9092"


def test_region_must_be_a_two_letter_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASE_SERVICE_DEFAULT_REGION", "Vietnam")
    with pytest.raises(ValidationError):
        CaseServiceSettings(_env_file=None)
