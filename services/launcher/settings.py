"""Settings of the launcher: its own under PLATFORM_*, plus the shared unprefixed ones it hands to every service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.launcher.catalog import SERVICE_NAMES
from shared.settings import load_settings_or_exit, shared_field

ENV_PREFIX = "PLATFORM_"


class LauncherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    embedded_broker_port: int = Field(19092, ge=1, le=65535)
    ready_timeout_seconds: float = Field(90, gt=0, le=3600)
    restart_limit: int = Field(3, ge=0, le=1000, description="Restarts per service before giving up on it.")
    services: str = Field("", description="Comma-separated subset of services to start; empty starts them all.")

    # Unset means "start the embedded broker"; set means "use this one".
    kafka_bootstrap_servers: str | None = shared_field(None, "KAFKA_BOOTSTRAP_SERVERS")
    kafka_topic_partitions: int = shared_field(3, "KAFKA_TOPIC_PARTITIONS", ge=1, le=1000)
    data_dir: Path = shared_field(Path("var"), "DATA_DIR")
    api_key_hashes: str = shared_field("", "API_KEY_HASHES")
    # Unset means "generate one into DATA_DIR/token.key"; each service validates the value it is given.
    token_signing_key: SecretStr | None = shared_field(None, "TOKEN_SIGNING_KEY")
    # Likewise into DATA_DIR/attachment-link.key: signs and checks attachment download links (shared.attachment_links).
    attachment_link_key: SecretStr | None = shared_field(None, "ATTACHMENT_LINK_KEY")

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: str) -> str:
        names = _split(value)
        unknown = [name for name in names if name not in SERVICE_NAMES]
        if unknown:
            raise ValueError(f"unknown service {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}")
        return ",".join(names)

    def selected_names(self) -> tuple[str, ...]:
        return tuple(_split(self.services))

    def external_bootstrap(self) -> str | None:
        """The configured broker, or None when the launcher should start the embedded one."""
        return (self.kafka_bootstrap_servers or "").strip() or None

    def embedded_bootstrap(self) -> str:
        return f"127.0.0.1:{self.embedded_broker_port}"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_launcher_settings() -> LauncherSettings:
    """Settings from the environment and `.env`; an invalid one stops the launcher (exit 2), naming the variable."""
    return load_settings_or_exit(LauncherSettings, ENV_PREFIX)
