"""Weak secrets are refused when the settings are read: short, typed patterns, and the placeholders of `deploy/`;
the refusal names the setting and never shows the value."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from shared.key_strength import weakness
from shared.settings import DatabaseSettings, describe_validation_error

EXAMPLE_ENV = Path(__file__).resolve().parents[3] / "deploy" / "production.env.example"
WEAK_KEYS = [
    "a" * 32,
    "a" * 200,
    "ab" * 16,
    "0123456789abcdef" * 2,  # 32 characters of 16 kinds, but one pattern twice
    "password" * 4,
    "abcdefghijklmnopqrstuvwxyz012345",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    "aaaabbbbccccddddeeeeffffgggghhhh",
    "0000000000000000111111111111111122222222",
    "too-short-secret",
    "CHANGE_ME",
    "changeme-changeme-changeme-changeme-x9",
]


class ExampleSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore", populate_by_name=True)


def example_values() -> dict[str, str]:
    """The settings `deploy/production.env.example` ships with."""
    values = {}
    for line in EXAMPLE_ENV.read_text(encoding="utf-8").splitlines():
        name, equals, value = line.partition("=")
        if equals and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def refusal(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> str:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        ExampleSettings(_env_file=None)  # type: ignore[call-arg]
    return describe_validation_error(caught.value, "EXAMPLE_")


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_a_weak_signing_key_is_refused_naming_the_setting_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    message = refusal(monkeypatch, "TOKEN_SIGNING_KEY", key)
    assert "TOKEN_SIGNING_KEY" in message
    assert key not in message and key[:12] not in message


def test_the_placeholder_signing_key_of_the_production_example_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    placeholder = example_values()["TOKEN_SIGNING_KEY"]
    assert len(placeholder) >= 32  # refused for being a placeholder, not merely for its length
    message = refusal(monkeypatch, "TOKEN_SIGNING_KEY", placeholder)
    assert "TOKEN_SIGNING_KEY" in message and "placeholder" in message
    assert placeholder not in message


def test_the_placeholder_database_passwords_of_the_production_example_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    urls = [value for name, value in example_values().items() if name.endswith("_DATABASE_URL")]
    assert urls
    for url in urls:
        message = refusal(monkeypatch, "EXAMPLE_DATABASE_URL", url)
        assert "EXAMPLE_DATABASE_URL" in message and "placeholder" in message


def test_random_keys_and_real_passwords_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(200):
        assert weakness(secrets.token_urlsafe(32)) is None
        assert weakness(secrets.token_hex(32)) is None
    monkeypatch.setenv("TOKEN_SIGNING_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", f"postgresql+asyncpg://app:{secrets.token_urlsafe(16)}@db:5432/app")
    settings = ExampleSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.token_signing_key is not None
