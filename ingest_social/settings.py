"""Settings of ingest_social, read from INGEST_SOCIAL_* environment variables (shared ones unprefixed).

Each platform is switched on by the secret its webhooks are checked with; without it its endpoint answers 404.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.attachments import DEFAULT_MAX_BYTES
from shared.ingest.media import host_list
from shared.settings import DatabaseSettings

ENV_PREFIX = "INGEST_SOCIAL_"
SERVICE_NAME = "ingest_social"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_ZALO_API_URL = "https://openapi.zalo.me"
DEFAULT_X_API_URL = "https://api.x.com"
# Zalo's mac: plain SHA-256 of these parts joined (write-ups disagree on the order, hence a setting).
DEFAULT_ZALO_SIGNATURE_PARTS = "app_id,body,timestamp,secret"
ZALO_PARTS = frozenset({"app_id", "body", "timestamp", "secret"})

_OPTIONAL = (
    "meta_app_secret",
    "meta_verify_token",
    "meta_access_token",
    "whatsapp_phone_number_id",
    "telegram_secret_token",
    "telegram_bot_token",
    "zalo_app_id",
    "zalo_oa_secret",
    "zalo_access_token",
    "x_consumer_secret",
    "x_access_token",
)


class IngestSocialSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8003, ge=1, le=65535)
    default_region: str = Field("VN", pattern="^[A-Z]{2}$", description="Region of phone numbers without a +prefix.")

    meta_app_secret: SecretStr | None = Field(
        None, description="The Meta app secret: checks X-Hub-Signature-256; unset disables /meta/webhook."
    )
    meta_verify_token: SecretStr | None = Field(
        None, description="The token Meta echoes in the GET verification handshake."
    )
    meta_access_token: SecretStr | None = Field(
        None, description="Page / system-user token replies are sent with (Messenger, Instagram, WhatsApp)."
    )
    meta_graph_url: str = Field(DEFAULT_GRAPH_URL, description="Base URL of the Graph API, with its version.")
    whatsapp_phone_number_id: str | None = Field(
        None, description="WhatsApp sender used when the customer's message named none (rare: replies answer it)."
    )
    whatsapp_window_hours: float = Field(
        24, gt=0, description="WhatsApp's customer service window: free-form replies only this long after."
    )
    public_posts: bool = Field(
        False, description="Ingest Facebook page feed posts/comments and Instagram comments as social_post messages."
    )

    telegram_secret_token: SecretStr | None = Field(
        None, description="The secret_token given to setWebhook; unset disables /telegram/webhook."
    )
    telegram_bot_token: SecretStr | None = Field(None, description="The bot token replies are sent with.")
    telegram_api_url: str = Field(DEFAULT_TELEGRAM_API_URL, description="Base URL of the Telegram Bot API.")

    zalo_app_id: str | None = Field(None, description="The Zalo app id (also in every event's app_id).")
    zalo_oa_secret: SecretStr | None = Field(
        None, description="The OA secret key: checks X-ZEvent-Signature; unset disables /zalo/webhook."
    )
    zalo_access_token: SecretStr | None = Field(None, description="The OA access token replies are sent with.")
    zalo_api_url: str = Field(DEFAULT_ZALO_API_URL, description="Base URL of the Zalo OA Open API.")
    zalo_signature_parts: str = Field(
        DEFAULT_ZALO_SIGNATURE_PARTS,
        description="Comma-separated order of the parts hashed into Zalo's mac (app_id, body, timestamp, secret).",
    )

    fetch_media: bool = Field(
        True,
        description="Fetch the files customers send (WhatsApp media, Telegram files, Messenger and Zalo attachments) "
        "from the platforms and store them.",
    )
    attachment_max_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1024, description="Larger files are not stored.")
    meta_media_hosts: str = Field(
        "fbcdn.net,fbsbx.com",
        description="Hosts (and subdomains, https only) Meta serves files from, besides META_GRAPH_URL's host: "
        "Messenger attachment URLs and WhatsApp media URLs (which get the access token) must be on one of them.",
    )
    zalo_media_hosts: str = Field(
        "zadn.vn,zdn.vn,zaloapp.com",
        description="Hosts (and subdomains, https only) Zalo attachment URLs may be on, besides ZALO_API_URL's host.",
    )

    x_consumer_secret: SecretStr | None = Field(
        None, description="The X app's consumer secret: answers CRC and checks signatures; unset disables /x/webhook."
    )
    x_access_token: SecretStr | None = Field(None, description="User-context bearer token DMs are sent with.")
    x_api_url: str = Field(DEFAULT_X_API_URL, description="Base URL of the X API.")

    @field_validator(*_OPTIONAL, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("meta_graph_url", "telegram_api_url", "zalo_api_url", "x_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an http:// or https:// URL without query or fragment")
        return value.rstrip("/")

    @field_validator("zalo_signature_parts")
    @classmethod
    def _known_parts(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        unknown = set(parts) - ZALO_PARTS
        if unknown or "body" not in parts or "secret" not in parts:
            raise ValueError(f"a comma-separated list of {sorted(ZALO_PARTS)} including body and secret")
        return ",".join(parts)

    @property
    def meta_enabled(self) -> bool:
        return self.meta_app_secret is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_secret_token is not None

    @property
    def zalo_enabled(self) -> bool:
        return self.zalo_oa_secret is not None

    @property
    def x_enabled(self) -> bool:
        return self.x_consumer_secret is not None

    def meta_media(self) -> tuple[str, ...]:
        return host_list(self.meta_media_hosts)

    def zalo_media(self) -> tuple[str, ...]:
        return host_list(self.zalo_media_hosts)

    def zalo_parts(self) -> tuple[str, ...]:
        return tuple(self.zalo_signature_parts.split(","))


def secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()
