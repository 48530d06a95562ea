"""Settings of ingest_email, read from INGEST_EMAIL_* environment variables (shared ones unprefixed)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

ENV_PREFIX = "INGEST_EMAIL_"


class IngestEmailSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8001, ge=1, le=65535)
