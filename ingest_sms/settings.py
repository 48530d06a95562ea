"""Settings of ingest_sms, read from INGEST_SMS_* environment variables (shared ones unprefixed)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from shared.attachments import DEFAULT_MAX_BYTES
from shared.auth import parse_key_hashes
from shared.ingest.media import host_list
from shared.settings import DatabaseSettings

ENV_PREFIX = "INGEST_SMS_"
SERVICE_NAME = "ingest_sms"
DEFAULT_TWILIO_API_URL = "https://api.twilio.com"


class IngestSmsSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8002, ge=1, le=65535)
    twilio_account_sid: str | None = Field(
        None, pattern=r"^AC[0-9a-fA-F]{32}$", description="Account SID (AC...): needed to send SMS."
    )
    twilio_auth_token: SecretStr | None = Field(
        None, description="Checks the signature of Twilio's webhooks (and authenticates sends); unset disables them."
    )
    public_url: str | None = Field(
        None, description="The public base URL Twilio calls, e.g. https://support.example.com/sms (behind a proxy)."
    )
    from_number: str | None = Field(
        None,
        pattern=r"^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$",
        description="E.164 number (or alphanumeric sender id) replies are sent from.",
    )
    messaging_service_sid: str | None = Field(
        None, pattern=r"^MG[0-9a-fA-F]{32}$", description="Messaging Service (MG...) replies are sent through."
    )
    twilio_api_url: str = Field(DEFAULT_TWILIO_API_URL, description="Base URL of Twilio's REST API.")
    twilio_media_hosts: str = Field(
        "twiliocdn.com",
        description="Hosts (and their subdomains, https only) Twilio's media URLs may redirect to; media are fetched "
        "from TWILIO_API_URL's host and these only, and Twilio's credentials go to its API host only.",
    )
    fetch_media: bool = Field(
        True, description="Fetch MMS media and call recordings from Twilio and store them (needs the account SID)."
    )
    attachment_max_bytes: int = Field(
        DEFAULT_MAX_BYTES, ge=1024, description="Larger MMS media and recordings are not stored."
    )
    default_region: str = Field("VN", pattern="^[A-Z]{2}$", description="Region of phone numbers without a +prefix.")
    cti_key_hashes: str = Field(
        "",
        description="Comma-separated hex SHA-256 of the keys CTI systems post phone notes with (POST /v1/phone-notes "
        "only; no other endpoint takes them).",
    )

    @field_validator(
        "twilio_account_sid",
        "twilio_auth_token",
        "public_url",
        "from_number",
        "messaging_service_sid",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url", "twilio_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an http:// or https:// URL without query or fragment")
        return value.rstrip("/")

    @field_validator("cti_key_hashes")
    @classmethod
    def _cti_keys_are_their_own(cls, value: str, info: ValidationInfo) -> str:
        admin = parse_key_hashes(str(info.data.get("api_key_hashes", "")))
        if parse_key_hashes(value) & admin:
            raise ValueError("repeats an entry of API_KEY_HASHES: give CTI systems a key of their own")
        return value

    def accepted_cti_key_hashes(self) -> frozenset[str]:
        return parse_key_hashes(self.cti_key_hashes)

    @property
    def twilio_enabled(self) -> bool:
        """Twilio's webhooks are served only when their signatures can be checked."""
        return self.twilio_auth_token is not None

    @property
    def sending_enabled(self) -> bool:
        return self.twilio_auth_token is not None and self.twilio_account_sid is not None

    def media_hosts(self) -> tuple[str, ...]:
        return host_list(self.twilio_media_hosts)

    def auth_token(self) -> str:
        if self.twilio_auth_token is None:
            raise RuntimeError("INGEST_SMS_TWILIO_AUTH_TOKEN is not set")
        return self.twilio_auth_token.get_secret_value()
