"""Settings of case_service, read from CASE_SERVICE_* environment variables (shared ones unprefixed)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.events import Priority
from shared.settings import DatabaseSettings

ENV_PREFIX = "CASE_SERVICE_"
SERVICE_NAME = "case_service"


class CaseServiceSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8004, ge=1, le=65535)
    default_region: str = Field(
        "VN", pattern="^[A-Z]{2}$", description="ISO region of phone numbers written without a country code."
    )
    default_category: str = Field("general", min_length=1, max_length=100)
    default_priority: Priority = Priority.NORMAL
