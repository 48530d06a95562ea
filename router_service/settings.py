"""Settings of router_service, read from ROUTER_SERVICE_* environment variables (shared ones unprefixed)."""

from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from router_service.domain import (
    DEFAULT_MIN_LEVEL_FOR_MARKER,
    DEFAULT_STRATEGY,
    MAX_LEVEL,
    MIN_LEVEL,
    STRATEGIES,
    RoutingPolicy,
    normalize_name,
)
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
    min_level_for_marker: dict[str, Level] = Field(
        default_factory=lambda: dict(DEFAULT_MIN_LEVEL_FOR_MARKER),
        description="JSON map case marker (e.g. angry, urgent, legal_threat) -> minimum skill level (1-4) it calls "
        "for; a case needs the highest level its priority and markers call for. Unlisted markers change nothing.",
    )

    offer_timeout_s: float = Field(
        30, gt=0, le=86400, description="Seconds an agent has to accept an offer; no answer counts as a decline."
    )
    strategy: str = Field(
        ",".join(DEFAULT_STRATEGY),
        description="Comma-separated ranking steps among eligible agents, applied in order: "
        + ", ".join(STRATEGIES)
        + ". Steps left out are not used; ties end on the agent id.",
    )
    relax_after_s: dict[Priority, float] = Field(
        default_factory=lambda: {
            Priority.URGENT: 120.0,
            Priority.HIGH: 300.0,
            Priority.NORMAL: 600.0,
            Priority.LOW: 1800.0,
        },
        description="JSON map priority -> seconds a case waits (since queued or last relaxed) before its minimum "
        "level is lowered one step; a priority not listed is never relaxed.",
    )
    continuity_wait_s: float = Field(
        60,
        ge=0,
        le=86400,
        description="Seconds a new case is held for the customer's previous agent when only being busy or at "
        "capacity keeps them from it (checked as often as relaxation); 0 never holds.",
    )
    relax_interval_s: float = Field(5.0, gt=0, le=3600, description="How often waiting cases are checked.")
    away_grace_s: float = Field(
        600,
        gt=0,
        le=7 * 86400,
        description="Seconds an agent may be away or offline before their open cases are "
        "re-routed to someone else (their pending offers are re-routed at once).",
    )
    away_check_interval_s: float = Field(10.0, gt=0, le=3600, description="How often that is checked.")
    offer_sweep_interval_s: float = Field(1.0, gt=0, le=60, description="How often due offers are expired.")

    @field_validator("strategy")
    @classmethod
    def _known_steps(cls, value: str) -> str:
        steps = [step.strip().lower() for step in value.split(",") if step.strip()]
        unknown = [step for step in steps if step not in STRATEGIES]
        if unknown:
            raise ValueError(f"unknown steps {unknown}; accepted: {', '.join(STRATEGIES)}")
        if len(set(steps)) != len(steps):
            raise ValueError("a step is listed twice")
        return ",".join(steps)

    @field_validator("min_level_for_marker")
    @classmethod
    def _markers_are_normalized(cls, value: dict[str, int]) -> dict[str, int]:
        normalized = {normalize_name(marker): level for marker, level in value.items()}
        if any(not marker for marker in normalized):
            raise ValueError("markers must not be empty")
        return normalized

    @field_validator("skill_for_category")
    @classmethod
    def _names_are_normalized(cls, value: dict[str, str]) -> dict[str, str]:
        normalized = {normalize_name(category): normalize_name(skill) for category, skill in value.items()}
        if any(not name for pair in normalized.items() for name in pair):
            raise ValueError("categories and skills must not be empty")
        return normalized

    def relax_after(self) -> dict[str, timedelta]:
        return {str(priority): timedelta(seconds=s) for priority, s in self.relax_after_s.items()}

    def offer_timeout(self) -> timedelta:
        return timedelta(seconds=self.offer_timeout_s)

    def routing_policy(self) -> RoutingPolicy:
        return RoutingPolicy(
            skill_for_category=dict(self.skill_for_category),
            min_level_for_priority={str(priority): level for priority, level in self.min_level_for_priority.items()},
            min_level_for_marker=dict(self.min_level_for_marker),
            offer_timeout=self.offer_timeout(),
            strategy=tuple(step for step in self.strategy.split(",") if step),
            continuity_wait=timedelta(seconds=self.continuity_wait_s),
        )
