"""HTTP request and response bodies of router_service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from router_service.domain import MAX_LEVEL, MIN_LEVEL, Presence
from shared.events import Channel

AGENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"

SkillName = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
Level = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL, description="1 foundation, 2 working, 3 good, 4 expert")]
LanguageCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"),
    Field(description="A BCP 47 language tag such as vi or en-us; stored lower-case."),
]


T = TypeVar("T")


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    skills: dict[SkillName, Level] = Field(description="Skill -> proficiency 1-4.")
    languages: list[LanguageCode] = Field(max_length=50)
    channels: list[Channel] = Field(default_factory=lambda: list(Channel), description="Default: every channel.")
    capacity: int = Field(ge=1, le=1000, description="How many cases the agent handles at once.")
    presence: Presence | None = Field(None, description="Default for a new agent: offline; otherwise kept.")


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    presence: Presence


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    skills: dict[str, int]
    languages: list[str]
    channels: list[str]
    capacity: int
    active_cases: int
    presence: Presence
    presence_changed_at: datetime
    last_assignment_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assignment_id: str = Field(validation_alias="id")
    case_id: str
    case_reference: str
    channel: str
    category: str
    priority: str
    language: str | None
    subject: str | None
    assigned_at: datetime


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decided_at: datetime
    trigger: str = Field(description="case_opened, or queue_drain when an agent took the case from the queue.")
    requirement: dict[str, Any]
    candidates: list[dict[str, Any]] = Field(
        description="Each agent considered: its exclusion reasons, or its rank and score; `chosen` marks the winner."
    )
    outcome: str = Field(description="assigned | queued")
    agent_id: str | None


class CaseRoutingOut(BaseModel):
    case_id: str
    decisions: list[DecisionOut]


class RequirementOut(BaseModel):
    skill: str
    min_level: int
    language: str | None
    channel: str


class WaitingCaseOut(BaseModel):
    position: int
    case_id: str
    case_reference: str
    channel: str
    category: str
    priority: str
    language: str | None
    requirement: RequirementOut
    enqueued_at: datetime
    waiting_s: float


class Items(BaseModel, Generic[T]):
    """A list answer: `{"items": [...]}`, so fields (paging, totals) can be added without breaking clients."""

    items: list[T]
