"""Settings of router_service, read from ROUTER_SERVICE_* environment variables (shared ones unprefixed)."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from router_service.domain import MAX_LEVEL, MIN_LEVEL, RoutingPolicy, normalize_name
from shared.events import Priority
from shared.settings import DatabaseSettings

ENV_PREFIX = "ROUTER_SERVICE_"

Level = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL)]


class RouterServiceSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8005, ge=1, le=65535)
    skill_for_category: dict[str, str] = Field(
        default_factory=dict,
        description="JSON map category -> required skill; a category not listed requires the skill of its name.",
    )
    min_level_for_priority: dict[Priority, Level] = Field(
        default_factory=lambda: {Priority.LOW: 1, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3},
        description="JSON map priority -> minimum skill level (1-4); an unlisted priority needs level 1.",
    )

    @field_validator("skill_for_category")
    @classmethod
    def _names_are_normalized(cls, value: dict[str, str]) -> dict[str, str]:
        normalized = {normalize_name(category): normalize_name(skill) for category, skill in value.items()}
        if any(not name for pair in normalized.items() for name in pair):
            raise ValueError("categories and skills must not be empty")
        return normalized

    def routing_policy(self) -> RoutingPolicy:
        return RoutingPolicy(
            skill_for_category=dict(self.skill_for_category),
            min_level_for_priority={str(priority): level for priority, level in self.min_level_for_priority.items()},
        )
