"""The environment the launcher gives each service: the token signing key reaches only the services that verify
tokens, however the key was configured (generated, exported, or in `.env`)."""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from services.launcher.catalog import SERVICES, Address, ServiceSpec
from services.launcher.launch import STORES_SETTINGS, attachment_stores, child_environments, console_links
from services.launcher.settings import LauncherSettings
from shared.settings import ServiceSettings

KEY = "launcher-test-signing-key-0123456789abcdef"
CONFIGURED_KEY = "configured-signing-key-fedcba9876543210-xyz"
# Found by reading each service's app: every service but ingest_social has routes that take access tokens.
VERIFIERS = {"gateway", "ingest_email", "ingest_sms", "case_service", "router_service"}


def settings_class(spec: ServiceSpec) -> type[ServiceSettings]:
    module = importlib.import_module(f"{spec.module}.settings")
    [found] = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, ServiceSettings) and value.__module__ == module.__name__
    ]
    return found


def settings_under(env: Mapping[str, str], spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    """The service's settings as it reads them when started with exactly `env` (and the `.env` of the working dir)."""
    with monkeypatch.context() as scoped:
        for name in set(os.environ) - set(env):
            scoped.delenv(name)
        for name, value in env.items():
            scoped.setenv(name, value)
        return settings_class(spec)()


def environments(tmp_path: Path, token_signing_key: str | None) -> dict[str, dict[str, str]]:
    launcher = LauncherSettings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    return child_environments(
        SERVICES, settings=launcher, bootstrap="127.0.0.1:1", key_hashes="", token_signing_key=token_signing_key
    )


def test_the_catalog_names_the_services_that_verify_tokens() -> None:
    assert {spec.name for spec in SERVICES if spec.verifies_tokens} == VERIFIERS


def test_a_generated_key_reaches_only_the_services_that_verify_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    envs = environments(tmp_path, KEY)
    for spec in SERVICES:
        settings = settings_under(envs[spec.name], spec, monkeypatch)
        given = settings.token_signing_key.get_secret_value() if settings.token_signing_key else None
        assert given == (KEY if spec.name in VERIFIERS else None), spec.name
        assert (KEY in envs[spec.name].values()) == (spec.name in VERIFIERS), spec.name


def test_an_exported_key_does_not_reach_a_service_that_never_checks_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKEN_SIGNING_KEY", CONFIGURED_KEY)
    envs = environments(tmp_path, None)  # configured: the launcher hands on its own environment
    for spec in SERVICES:
        settings = settings_under(envs[spec.name], spec, monkeypatch)
        assert (settings.token_signing_key is not None) == (spec.name in VERIFIERS), spec.name
        assert (CONFIGURED_KEY in envs[spec.name].values()) == (spec.name in VERIFIERS), spec.name


def test_a_key_in_the_env_file_does_not_reach_a_service_that_never_checks_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"TOKEN_SIGNING_KEY={CONFIGURED_KEY}\n", encoding="utf-8")
    envs = environments(tmp_path, None)
    for spec in SERVICES:
        settings = settings_under(envs[spec.name], spec, monkeypatch)
        assert (settings.token_signing_key is not None) == (spec.name in VERIFIERS), spec.name


def test_a_service_is_not_given_another_services_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twilio_token = "twilio-auth-token-of-ingest-sms-only"
    monkeypatch.setenv("INGEST_SMS_TWILIO_AUTH_TOKEN", twilio_token)
    monkeypatch.setenv("INGEST_SOCIAL_TELEGRAM_BOT_TOKEN", "telegram-token-of-ingest-social-only")
    envs = environments(tmp_path, KEY)
    assert envs["ingest_sms"]["INGEST_SMS_TWILIO_AUTH_TOKEN"] == twilio_token
    assert "INGEST_SOCIAL_TELEGRAM_BOT_TOKEN" not in envs["ingest_sms"]
    for name in {spec.name for spec in SERVICES} - {"ingest_sms"}:
        assert twilio_token not in envs[name].values(), name
    assert all(env["API_KEY_HASHES"] == "" and env["DATA_DIR"] for env in envs.values())


def test_only_the_console_is_given_the_admin_key_and_the_service_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    admin_key = "admin-key-of-the-launcher-0123456789abcdefXYZ"
    envs = environments(tmp_path, KEY)
    envs["console"]["CONSOLE_API_KEY"] = admin_key  # what Launch.start adds when it generated the key
    addresses = {name: Address("0.0.0.0", port) for name, port in {"gateway": 9100, "router_service": 9105}.items()}
    envs["console"].update(console_links(addresses))

    settings = settings_under(envs["console"], spec_named("console"), monkeypatch)
    assert isinstance(settings, ConsoleSettings)
    assert settings.api_key is not None and settings.api_key.get_secret_value() == admin_key
    assert (settings.gateway_url, settings.router_service_url) == ("http://127.0.0.1:9100", "http://127.0.0.1:9105")
    assert settings.case_service_url == "http://127.0.0.1:8004", "a service not started keeps the console's default"
    for name in {spec.name for spec in SERVICES} - {"console"}:
        assert admin_key not in envs[name].values(), name
        assert not any(setting.startswith("CONSOLE_") for setting in envs[name]), name


def spec_named(name: str) -> ServiceSpec:
    [spec] = [spec for spec in SERVICES if spec.name == name]
    return spec


LINK_KEY = "launcher-test-attachment-link-key-0123456789"
STORES = {"gateway", "ingest_email", "ingest_sms", "ingest_social", "case_service"}


def test_the_attachment_link_key_reaches_only_the_services_that_store_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"ATTACHMENT_LINK_KEY={CONFIGURED_KEY}\n", encoding="utf-8")
    launcher = LauncherSettings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    envs = child_environments(
        SERVICES, settings=launcher, bootstrap="127.0.0.1:1", key_hashes="", attachment_link_key=LINK_KEY
    )
    assert {spec.name for spec in SERVICES if spec.stores_attachments} == STORES
    for spec in SERVICES:
        settings = settings_under(envs[spec.name], spec, monkeypatch)
        assert settings.link_key() == (LINK_KEY if spec.name in STORES else None), spec.name


def test_case_service_and_the_console_are_told_where_the_stores_are() -> None:
    addresses = {name: Address("127.0.0.1", 9100 + n) for n, name in enumerate(["gateway", "ingest_sms", "console"])}
    assert attachment_stores(addresses) == "gateway=http://127.0.0.1:9100,ingest_sms=http://127.0.0.1:9101"
    assert set(STORES_SETTINGS) == {"case_service", "console"}
