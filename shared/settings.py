"""Settings common to every service. Shared values are unprefixed; each service subclass adds its own prefix."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.key_strength import is_placeholder, weakness

DEFAULT_BOOTSTRAP = "127.0.0.1:19092"
# The exit code of a process whose settings are invalid (the launcher's preflight tells it from other failures).
INVALID_SETTINGS_EXIT = 2
T = TypeVar("T", bound=BaseSettings)


def shared_field(default: Any, env: str, **kwargs: Any) -> Any:
    """A field read from the unprefixed environment variable `env` (shared by every service)."""
    return Field(default, validation_alias=AliasChoices(env, env.lower()), **kwargs)


def parse_key_hashes(value: str) -> frozenset[str]:
    """Comma-separated hex SHA-256 of keys (the format of API_KEY_HASHES), lower-cased; a ValueError that never
    quotes the value when an entry is not such a hash (a raw key pasted in by mistake)."""
    hashes = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    for item in hashes:
        if len(item) != 64 or any(ch not in "0123456789abcdef" for ch in item):
            raise ValueError("each entry must be the 64-hex-digit SHA-256 of a key, not the key itself")
    return hashes


def hash_api_key(key: str) -> str:
    """How API keys are stored: hex SHA-256. Keys are long random tokens, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def blank_is_unset(value: Any) -> Any:
    """For a `mode="before"` validator: a blank setting (`KEY=` in an env file) is the same as none."""
    return None if isinstance(value, str) and not value.strip() else value


def strong_key(value: SecretStr | None) -> SecretStr | None:
    """For a validator of a signing key: the key if it is fit to sign with (or unset), else a ValueError saying why
    (in words that describe the key, never quote it)."""
    problem = weakness(value.get_secret_value()) if value is not None else None
    if problem is not None:
        raise ValueError(problem)
    return value


class ServiceSettings(BaseSettings):
    """Base of every service's settings class. Subclasses set `env_prefix` and `service_name`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = shared_field(DEFAULT_BOOTSTRAP, "KAFKA_BOOTSTRAP_SERVERS", min_length=1)
    kafka_topic_partitions: int = shared_field(3, "KAFKA_TOPIC_PARTITIONS", ge=1, le=1000)
    kafka_fetch_max_wait_ms: int = shared_field(60, "KAFKA_FETCH_MAX_WAIT_MS", ge=30, le=5000)
    api_key_hashes: str = shared_field(
        "", "API_KEY_HASHES", description="Comma-separated hex SHA-256 of the accepted bearer keys."
    )
    token_signing_key: SecretStr | None = shared_field(
        None, "TOKEN_SIGNING_KEY", description="Shared HS256 key that signs and verifies access tokens."
    )
    attachment_link_key: SecretStr | None = shared_field(
        None,
        "ATTACHMENT_LINK_KEY",
        description="Shared key that signs (case_service) and checks (every store) attachment download links.",
    )
    data_dir: Path = shared_field(Path("var"), "DATA_DIR")
    log_level: str = shared_field("INFO", "LOG_LEVEL", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    tenant: str = shared_field("default", "TENANT", min_length=1)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_body_bytes: int = Field(1_048_576, ge=1024)

    @field_validator("api_key_hashes")
    @classmethod
    def _hashes_are_sha256(cls, value: str) -> str:
        parse_key_hashes(value)
        return value

    @field_validator("token_signing_key", "attachment_link_key", mode="before")
    @classmethod
    def _blank_signing_key_is_unset(cls, value: Any) -> Any:
        return blank_is_unset(value)

    @field_validator("token_signing_key", "attachment_link_key")
    @classmethod
    def _signing_key_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        return strong_key(value)

    def accepted_key_hashes(self) -> frozenset[str]:
        return parse_key_hashes(self.api_key_hashes)

    def link_key(self) -> str | None:
        """The attachment link key, or None when links are neither signed nor served here."""
        return self.attachment_link_key.get_secret_value() if self.attachment_link_key is not None else None


class DatabaseSettings(ServiceSettings):
    """Settings of a service that owns a database (`database_url`, defaulting to a SQLite file in data_dir)."""

    # A PostgreSQL URL carries its password: kept as a secret, so no repr or error shows it.
    database_url: SecretStr = SecretStr("")
    database_pool_size: int = Field(5, ge=1, le=100)
    outbox_retention_hours: float = shared_field(24, "OUTBOX_RETENTION_HOURS", ge=0)
    processed_events_retention_days: float = shared_field(7, "PROCESSED_EVENTS_RETENTION_DAYS", gt=0)

    @field_validator("database_url")
    @classmethod
    def _no_placeholder_password(cls, value: SecretStr) -> SecretStr:
        try:
            password = urlsplit(value.get_secret_value()).password
        except ValueError:
            return value  # not a URL we can read: SQLAlchemy says what is wrong with it
        if password and is_placeholder(unquote(password)):
            raise ValueError("its password is a placeholder (as in deploy/production.env.example): set the real one")
        return value

    def resolved_database_url(self, service_name: str) -> str:
        url = self.database_url.get_secret_value()
        if url:
            return url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service_name}.db').as_posix()}"


def describe_validation_error(error: ValidationError, prefix: str) -> str:
    """One line per invalid setting, naming the environment variable a user would set and what is wrong with it.

    Never the value: a setting may hold a secret (a raw API key pasted where its hash belongs, a password in a
    database URL), and whatever is written here ends up on consoles and in logs."""
    lines = []
    for item in error.errors(include_url=False):
        # A few of pydantic's messages quote part of the input (a union's tag): those are named by their type.
        given = item.get("input")
        quotes_input = isinstance(given, str) and len(given) >= 3 and given in item["msg"]
        what = item["type"].replace("_", " ") if quotes_input else item["msg"]
        if not item["loc"]:  # a rule across settings: its message names them
            lines.append(f"invalid settings: {what}")
            continue
        name = str(item["loc"][0]).upper()
        env = name if name in SHARED_ENV_NAMES else f"{prefix}{name}"
        lines.append(f"invalid setting {env}: {what}")
    return "\n".join(lines)


def describe_settings_error(error: SettingsError, prefix: str) -> str:
    """The setting pydantic-settings could not even parse (a JSON value that is not JSON), without its value."""
    found = re.search(r'field "(\w+)"', str(error))
    name = found.group(1).upper() if found else "?"
    env = name if name in SHARED_ENV_NAMES else f"{prefix}{name}"
    return f"invalid setting {env}: not readable (a list or map is written as JSON)"


def load_settings_or_exit(settings_class: type[T], prefix: str) -> T:
    """Settings from the environment and `.env`; an invalid one stops the process (exit 2), naming the variable and
    what is wrong with it, never its value."""
    try:
        return settings_class()
    except ValidationError as error:
        message = describe_validation_error(error, prefix)
    except SettingsError as error:
        message = describe_settings_error(error, prefix)
    sys.stderr.write(message + "\n")
    raise SystemExit(INVALID_SETTINGS_EXIT)


SHARED_ENV_NAMES = frozenset(
    {
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_TOPIC_PARTITIONS",
        "KAFKA_FETCH_MAX_WAIT_MS",
        "API_KEY_HASHES",
        "TOKEN_SIGNING_KEY",
        "ATTACHMENT_LINK_KEY",
        "DATA_DIR",
        "LOG_LEVEL",
        "TENANT",
        "OUTBOX_RETENTION_HOURS",
        "PROCESSED_EVENTS_RETENTION_DAYS",
    }
)
