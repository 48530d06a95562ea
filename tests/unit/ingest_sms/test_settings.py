"""ingest_sms settings: defaults, the INGEST_SMS_ prefix, and refusal of invalid values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest_sms.app import startup_notes
from ingest_sms.settings import IngestSmsSettings

NAMES = (
    "PORT",
    "DATABASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "PUBLIC_URL",
    "FROM_NUMBER",
    "MESSAGING_SERVICE_SID",
    "TWILIO_API_URL",
    "DEFAULT_REGION",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in NAMES:
        monkeypatch.delenv(f"INGEST_SMS_{name}", raising=False)
    monkeypatch.delenv("DATA_DIR", raising=False)


def test_defaults_leave_twilio_off_and_say_so() -> None:
    settings = IngestSmsSettings()
    assert (settings.port, settings.default_region, settings.twilio_api_url) == (8002, "VN", "https://api.twilio.com")
    assert settings.resolved_database_url("ingest_sms") == "sqlite+aiosqlite:///var/ingest_sms.db"
    assert not settings.twilio_enabled and not settings.sending_enabled
    assert "INGEST_SMS_TWILIO_AUTH_TOKEN" in startup_notes(settings)[0]


def test_read_from_the_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_SMS_TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    monkeypatch.setenv("INGEST_SMS_TWILIO_AUTH_TOKEN", "secret-token")
    monkeypatch.setenv("INGEST_SMS_PUBLIC_URL", "https://support.example.com/sms/")
    monkeypatch.setenv("INGEST_SMS_FROM_NUMBER", "+84281234567")
    monkeypatch.setenv("INGEST_SMS_MESSAGING_SERVICE_SID", "MG" + "b" * 32)
    monkeypatch.setenv("INGEST_SMS_TWILIO_API_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("INGEST_SMS_DEFAULT_REGION", "US")
    settings = IngestSmsSettings()
    assert settings.auth_token() == "secret-token" and "secret-token" not in repr(settings)
    assert (settings.public_url, settings.twilio_api_url) == (
        "https://support.example.com/sms",
        "http://127.0.0.1:9999",
    )
    assert (settings.from_number, settings.messaging_service_sid, settings.default_region) == (
        "+84281234567",
        "MG" + "b" * 32,
        "US",
    )
    assert settings.sending_enabled and startup_notes(settings) == []


def test_blank_values_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_SMS_TWILIO_AUTH_TOKEN", " ")
    monkeypatch.setenv("INGEST_SMS_PUBLIC_URL", "")
    settings = IngestSmsSettings()
    assert (settings.twilio_auth_token, settings.public_url) == (None, None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TWILIO_ACCOUNT_SID", "AB123"),
        ("MESSAGING_SERVICE_SID", "MG123"),
        ("FROM_NUMBER", "0912 345 678"),
        ("PUBLIC_URL", "support.example.com/sms"),
        ("PUBLIC_URL", "https://support.example.com/sms?x=1"),
        ("TWILIO_API_URL", "ftp://api.twilio.com"),
        ("DEFAULT_REGION", "vn"),
    ],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"INGEST_SMS_{name}", value)
    with pytest.raises(ValidationError):
        IngestSmsSettings()
