"""Settings of the console, read from CONSOLE_* environment variables (shared ones unprefixed)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings, blank_is_unset, strong_key

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

    # The customers' pages (complaint form, survey, status page): see services/console/public
    form_key: SecretStr | None = Field(
        None,
        description="Key the public forms' tokens are signed with; unset, one is generated into "
        "DATA_DIR/console-form.key (set it yourself when several console instances serve the forms).",
    )
    default_region: str = Field("VN", pattern="^[A-Z]{2}$", description="Region of phone numbers typed without +.")
    form_min_seconds: float = Field(3, ge=0, le=600, description="A form sent sooner after it was shown is refused.")
    form_max_age_hours: float = Field(12, gt=0, le=24 * 7, description="A form shown longer ago than this is stale.")
    complaints_per_address: int = Field(3, ge=1, le=10_000, description="Complaints per email or phone per window.")
    complaints_per_client: int = Field(20, ge=1, le=100_000, description="Complaints per client address per window.")
    status_messages_per_link: int = Field(20, ge=1, le=10_000, description="Messages per status link per window.")
    public_window_minutes: int = Field(60, ge=1, le=7 * 24 * 60, description="The rate limits' window.")
    upload_max_files: int = Field(5, ge=0, le=20, description="Files one form may carry.")
    upload_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024, description="Largest file.")
    upload_max_total_bytes: int = Field(25 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024, description="All files.")
    upload_extensions: str = Field(
        "jpg,jpeg,png,gif,webp,heic,pdf,txt,csv,doc,docx,xls,xlsx,odt,ods,mp3,m4a,mp4,mov",
        description="Comma-separated file name extensions the forms accept (programs never are).",
    )
    receipt_wait_seconds: float = Field(
        60, ge=0, le=3600, description="How long the answer page keeps looking for the new case's reference."
    )

    @field_validator("api_key", "form_key", mode="before")
    @classmethod
    def _blank_key_is_unset(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("api_key", "form_key")
    @classmethod
    def _key_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        return strong_key(value)

    @field_validator("gateway_url", "case_service_url", "router_service_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
