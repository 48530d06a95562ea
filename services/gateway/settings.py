"""Settings of the gateway, read from GATEWAY_* environment variables (shared ones unprefixed)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.attachments import DEFAULT_MAX_BYTES, base64_length
from shared.settings import DatabaseSettings

ENV_PREFIX = "GATEWAY_"
SERVICE_NAME = "gateway"
# The text fields of a message, with room to spare: what a body holds besides its attachments.
TEXT_ALLOWANCE_BYTES = 262_144


def body_room(*, attachments: int, attachment_bytes: int) -> int:
    """A body that carries `attachments` files of `attachment_bytes` each (base64 makes 4 characters of every 3
    bytes) and the text of the message."""
    return TEXT_ALLOWANCE_BYTES + attachments * base64_length(attachment_bytes)


class GatewaySettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8000, ge=1, le=65535)
    max_attachments: int = Field(5, ge=0, le=20, description="Files one message may carry (`attachments`).")
    max_attachment_bytes: int = Field(
        DEFAULT_MAX_BYTES, ge=1024, le=100 * 1024 * 1024, description="Largest file, decoded; larger ones get 422."
    )
    # Unset: room for the text and max_attachments files of max_attachment_bytes (about 67 MiB by default); a smaller
    # value keeps big bodies out (413) whatever the two settings above allow.
    max_body_bytes: int = Field(TEXT_ALLOWANCE_BYTES, ge=1024)
    default_region: str = Field("VN", pattern="^[A-Z]{2}$", description="Region of phone numbers without a +prefix.")
    idempotency_retention_hours: int = Field(24, ge=1, le=24 * 90)

    @model_validator(mode="after")
    def _body_fits_the_attachments(self) -> "GatewaySettings":
        if "max_body_bytes" not in self.model_fields_set:
            self.max_body_bytes = body_room(
                attachments=self.max_attachments, attachment_bytes=self.max_attachment_bytes
            )
        return self
