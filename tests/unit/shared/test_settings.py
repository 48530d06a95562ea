"""Settings: shared ones unprefixed, service ones prefixed, invalid ones named in the message."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings, describe_validation_error, hash_api_key


class ExampleSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore", populate_by_name=True)


def test_shared_settings_are_unprefixed_and_service_settings_prefixed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092")
    monkeypatch.setenv("EXAMPLE_PORT", "9123")
    settings = ExampleSettings()
    assert settings.kafka_bootstrap_servers == "kafka-1:9092"
    assert settings.port == 9123


def test_invalid_setting_is_named_as_the_environment_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EXAMPLE_PORT", "not-a-port")
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS", "0")
    with pytest.raises(ValidationError) as info:
        ExampleSettings()
    message = describe_validation_error(info.value, "EXAMPLE_")
    assert "invalid setting EXAMPLE_PORT" in message
    assert "invalid setting KAFKA_TOPIC_PARTITIONS" in message


def test_plain_keys_are_refused_where_hashes_belong(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("API_KEY_HASHES", "my-secret-key")
    with pytest.raises(ValidationError) as info:
        ExampleSettings()
    assert "SHA-256" in str(info.value)


def test_accepted_key_hashes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("API_KEY_HASHES", f"{hash_api_key('a')}, {hash_api_key('b').upper()}")
    assert ExampleSettings().accepted_key_hashes() == {hash_api_key("a"), hash_api_key("b")}


def test_default_database_is_a_sqlite_file_per_service(tmp_path):
    settings = ExampleSettings(data_dir=tmp_path)
    assert settings.resolved_database_url("case_service") == f"sqlite+aiosqlite:///{tmp_path}/case_service.db"
