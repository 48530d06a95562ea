"""case_service reads its own settings from CASE_SERVICE_* and the shared ones unprefixed; JSON rules parse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from case_service.settings import CaseServiceSettings

OWN = (
    "CASE_SERVICE_PORT",
    "CASE_SERVICE_DEFAULT_REGION",
    "CASE_SERVICE_REOPEN_WINDOW_HOURS",
    "CASE_SERVICE_CATEGORIES",
    "CASE_SERVICE_FOLLOW_UP_DELAY_HOURS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OWN:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = CaseServiceSettings(_env_file=None)
    assert (settings.port, settings.default_region) == (8004, "VN")
    assert (settings.reopen_window_hours, settings.follow_up_delay_hours, settings.csat_reopen_below) == (168, 72, 3)
    assert settings.categories is None, "unset: the built-in taxonomy"
    assert settings.resolved_database_url("case_service").endswith("/case_service.db")


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASE_SERVICE_PORT", "9004")
    monkeypatch.setenv("CASE_SERVICE_DEFAULT_REGION", "SG")
    monkeypatch.setenv("CASE_SERVICE_REOPEN_WINDOW_HOURS", "48")
    monkeypatch.setenv("CASE_SERVICE_CATEGORIES", '["billing_refund", "other"]')
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    settings = CaseServiceSettings(_env_file=None)
    assert (settings.port, settings.default_region, settings.reopen_window_hours) == (9004, "SG", 48)
    assert settings.categories == ["billing_refund", "other"]
    assert settings.kafka_bootstrap_servers == "kafka:9092"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CASE_SERVICE_DEFAULT_REGION", "Vietnam"),
        ("CASE_SERVICE_REOPEN_WINDOW_HOURS", "-1"),
        ("CASE_SERVICE_CATEGORIES", "not json"),
    ],
)
def test_unusable_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        CaseServiceSettings(_env_file=None)
