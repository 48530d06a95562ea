"""Settings of the gateway, read from GATEWAY_* environment variables (shared ones unprefixed)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings

ENV_PREFIX = "GATEWAY_"


class GatewaySettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8000, ge=1, le=65535)
    # Complaints are text: a quarter of a megabyte is generous, and keeps a misbehaving client cheap to refuse.
    max_body_bytes: int = Field(262_144, ge=1024)
    default_region: str = Field("VN", pattern="^[A-Z]{2}$", description="Region of phone numbers without a +prefix.")
    idempotency_retention_hours: int = Field(24, ge=1, le=24 * 90)
