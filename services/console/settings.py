"""Settings of the console, read from CONSOLE_* environment variables (shared ones unprefixed)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.key_strength import weakness
from shared.settings import DatabaseSettings

ENV_PREFIX = "CONSOLE_"
Language = Literal["vi", "en"]
URL_PATTERN = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"


class ConsoleSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8006, ge=1, le=65535)
    # Forms and small JSON bodies only.
    max_body_bytes: int = Field(65_536, ge=1024)
    api_key: SecretStr | None = Field(
        None, description="The admin API key, used only server-side to obtain each user's access token."
    )
    gateway_url: str = Field("http://127.0.0.1:8000", pattern=URL_PATTERN)
    case_service_url: str = Field("http://127.0.0.1:8004", pattern=URL_PATTERN)
    router_service_url: str = Field("http://127.0.0.1:8005", pattern=URL_PATTERN)
    service_timeout_seconds: float = Field(10, gt=0, le=120)
    service_token_minutes: int = Field(60, ge=5, le=24 * 60, description="Lifetime of a user's access token.")
    session_hours: float = Field(12, gt=0, le=24 * 30)
    default_language: Language = "vi"
    login_max_failures: int = Field(5, ge=1, le=1000, description="Failed logins per account within the window.")
    login_max_failures_per_address: int = Field(20, ge=1, le=100_000)
    login_window_minutes: int = Field(15, ge=1, le=24 * 60)

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_key")
    @classmethod
    def _key_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        problem = weakness(value.get_secret_value()) if value is not None else None
        if problem is not None:
            raise ValueError(problem)  # describes the key, never quotes it
        return value

    @field_validator("gateway_url", "case_service_url", "router_service_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
