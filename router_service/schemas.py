"""HTTP request and response bodies of router_service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from router_service.domain import MAX_LEVEL, MIN_LEVEL, Presence
from shared.events import Channel
from shared.text import CleanInput

AGENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"

SkillName = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
Level = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL, description="1 foundation, 2 working, 3 good, 4 expert")]
LanguageCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"),
    Field(description="A BCP 47 language tag such as vi or en-us; stored lower-case."),
]


Capacity = Annotated[int, Field(ge=1, le=1000)]

T = TypeVar("T")


ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ScheduleIn(CleanInput):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(description="IANA timezone, e.g. Asia/Ho_Chi_Minh.", examples=["Asia/Ho_Chi_Minh"])
    hours: dict[Weekday, tuple[ClockTime, ClockTime]] = Field(
        description='Weekday -> ["HH:MM", "HH:MM"] start and end in that timezone; days not listed are off. '
        "An end before the start runs past midnight."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown timezone") from None
        return value


class AgentIn(CleanInput):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    skills: dict[SkillName, Level] = Field(description="Skill -> proficiency 1-4.")
    languages: list[LanguageCode] = Field(max_length=50)
    channels: list[Channel] = Field(default_factory=lambda: list(Channel), description="Default: every channel.")
    capacity: Capacity | dict[Channel, Capacity] = Field(
        description="Cases the agent holds at once per channel: {channel: n}, or a number for every channel."
    )
    max_total: Capacity | None = Field(
        None,
        description="Overall limit across channels. Default: the number given as capacity, or the sum per channel.",
    )
    team: str | None = Field(None, min_length=1, max_length=100)
    auto_accept: bool = Field(False, description="Assign directly instead of offering (for API clients).")
    supervisor: bool = Field(
        False, description="Takes cases escalated on an SLA breach, whatever their skill and level."
    )
    presence: Presence | None = Field(None, description="Default for a new agent: offline; otherwise kept.")
    schedule: ScheduleIn | None = Field(
        None, description="Working hours; outside them the agent gets no cases. Default: always on duty."
    )

    @field_validator("capacity", mode="wrap")
    @classmethod
    def _one_capacity_error(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """One error naming `capacity`, not one per member of the union."""
        try:
            return handler(value)
        except ValidationError:
            raise ValueError("must be a number 1-1000 or a map channel -> number 1-1000") from None

    def capacity_by_channel(self) -> int | dict[str, int]:
        if isinstance(self.capacity, int):
            return self.capacity
        return {channel.value: limit for channel, limit in self.capacity.items()}


class PresenceIn(CleanInput):
    model_config = ConfigDict(extra="forbid")

    presence: Presence


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    skills: dict[str, int]
    languages: list[str]
    channels: list[str]
    capacity: dict[str, int] = Field(validation_alias="channel_capacity", description="Limit per channel.")
    max_total: int
    active_cases: int = Field(description="Offers held and active assignments, every channel.")
    load: dict[str, int] = Field(validation_alias="channel_load", description="Offers and assignments per channel.")
    team: str | None
    auto_accept: bool
    supervisor: bool
    schedule: dict[str, Any] | None
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


class OfferCaseOut(BaseModel):
    """What the router knows of an offered case, so the agent can judge the offer before accepting it."""

    case_reference: str
    customer_id: str
    category: str
    priority: str
    language: str | None = None
    subject: str | None = None
    markers: list[str] = Field(default_factory=list, description="e.g. angry, legal_threat: they raised the level.")


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str
    agent_id: str
    status: str = Field(description="pending | accepted | declined | expired | rescinded")
    channel: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    reason: str | None
    case: OfferCaseOut | None = Field(None, description="The case as routed (null for offers recorded without it).")


class DeclineIn(CleanInput):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=500)


class AcceptedOut(BaseModel):
    offer: OfferOut
    assignment_id: str


class DryRunIn(CleanInput):
    """Either a case the router knows, `{"case_id": ...}` alone: who would get it now, as it is (its markers,
    preferred skills, the agents who declined it, its current holder); or a hypothetical case, `skill` and `channel`
    with optional level, language, markers, preferred skills and customer: who would get such a case now?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"case_id": "c0ffee00-0000-4000-8000-000000000001"},
                {"skill": "billing", "min_level": 2, "language": "vi", "channel": "email", "markers": ["angry"]},
            ]
        },
    )

    case_id: str | None = Field(None, min_length=1, max_length=100, description="A case the router has routed.")
    skill: SkillName | None = Field(None, description="Hypothetical case: the skill it requires.")
    min_level: Level = 1
    language: LanguageCode | None = None
    channel: Channel | None = Field(None, description="Hypothetical case: its channel.")
    customer_id: str | None = Field(None, max_length=100, description="For continuity with a previous agent.")
    markers: list[SkillName] = Field(
        default_factory=list, max_length=20, description="Hypothetical case: markers (angry...) that raise the level."
    )
    preferred_skills: list[SkillName] = Field(
        default_factory=list, max_length=20, description="Hypothetical case: skills that rank agents having them first."
    )

    @model_validator(mode="after")
    def _a_case_or_a_requirement(self) -> DryRunIn:
        if self.case_id is not None:
            others = sorted(self.model_fields_set - {"case_id"})
            if others:
                raise ValueError(f"give case_id alone, or a requirement without it (not both: {', '.join(others)})")
            return self
        missing = [name for name in ("skill", "channel") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"give case_id, or skill and channel (missing: {', '.join(missing)})")
        return self


class CandidateOut(BaseModel):
    """One agent considered: its exclusion reasons, or its rank and score."""

    agent_id: str
    reasons: list[str] = Field(default_factory=list, description="Why it may not take the case; empty if eligible.")
    rank: int | None = Field(None, description="1 = best among the eligible; null when excluded.")
    score: dict[str, Any] | None = Field(
        None, description="over_qualification, occupancy, last_assignment_at, continuity, preferred_skills."
    )
    chosen: bool = False
    summary: str = Field(description="The same in words, e.g. `hoa: not eligible: skill level below minimum`.")


class DryRunCaseOut(BaseModel):
    """The case dry-run by `case_id`, as the router knows it now."""

    case_id: str
    case_reference: str
    customer_id: str
    state: Literal["waiting", "offered", "assigned", "ended"]
    holder_agent_id: str | None = Field(description="The agent it is offered or assigned to now (not a candidate).")
    channel: str
    category: str
    priority: str
    language: str | None
    markers: list[str]
    preferred_skills: list[str]
    reserved_for: str | None = Field(description="Waiting, held for the customer's previous agent until then.")
    reserved_until: datetime | None
    requirement_source: Literal["queue", "offer", "case"] = Field(
        description="queue: its place in the queue (after any relaxation or reclassification); offer: as its latest "
        "offer was routed (what re-routing it uses); case: derived afresh from its category, priority and markers "
        "(an ended case, as reopening would)."
    )


class DryRunOut(BaseModel):
    requirement: dict[str, Any] = Field(
        description="skill, min_level, language, channel; by case_id also priority, markers, preferred_skills, "
        "levels_called_for (what calls for which level) and source."
    )
    candidates: list[CandidateOut] = Field(
        description="Agents having the skill: eligible ones in rank order, then the excluded; `chosen` marks who "
        "would get it."
    )
    ranked: list[str] = Field(description="Eligible agents, best first: who would get it, then who next.")
    outcome: str = Field(description="offered | assigned (the agent auto-accepts) | queued")
    agent_id: str | None
    summary: str = Field(description="The whole answer in words.")
    case: DryRunCaseOut | None = Field(None, description="By case_id: the case as the router knows it.")
    agents_without_skill: int = Field(0, description="Agents not listed because they lack the skill.")


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decided_at: datetime
    trigger: str = Field(
        description="case_opened; queue_drain when an agent took the case from the queue; offer_accepted, "
        "offer_declined, offer_expired or offer_rescinded when an offer ended (and the case was re-routed); "
        "relaxation when a long wait lowered the minimum level (the requirement then shows `relaxed_from`); "
        "case_resolved or case_closed when the case ended and freed its agent; sla_at_risk (priority raised, level "
        "relaxed, then routed) and sla_breached (escalated to a supervisor); continuity_wait when a case held for "
        "the customer's previous agent was released to anyone eligible; case_reopened when a resolved case came back "
        "(its previous agent preferred); reclassified when a waiting case's category or priority changed; "
        "escalation_request when an agent escalated the case to a supervisor."
    )
    requirement: dict[str, Any]
    candidates: list[CandidateOut] = Field(
        description="Each agent having the required skill: its exclusion reasons, or its rank and score; `chosen` "
        "marks the winner. Agents without the skill are not listed."
    )
    outcome: str = Field(
        description="assigned | offered | queued | accepted | declined | expired | rescinded | relaxed | resolved | "
        "closed | escalated (agent_id: the supervisor given or told, if any) | reserved (agent_id: the previous "
        "agent the case is held for)"
    )
    agent_id: str | None
    summary: str = Field(
        description="The decision in words: why, what it did, what the case needed, who was considered."
    )


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
    reserved_for: str | None = Field(
        None, description="Held for the customer's previous agent (busy or full) until `reserved_until`."
    )
    reserved_until: datetime | None = None
    waiting_s: float
    estimated_wait_s: float | None = Field(
        description="From the last hour's throughput for the same skill; null when there is no basis."
    )


class SkillDepthOut(BaseModel):
    skill: str
    waiting: int
    oldest_waiting_s: float
    estimated_wait_s: float | None = Field(description="Until the last of them is served, at the recent rate.")


class OccupancyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Agent id, or team name.")
    active_cases: int
    max_total: int
    occupancy: float = Field(description="active_cases / max_total")


class StatisticsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    since: datetime
    offers: dict[str, int] = Field(description="Offers made since `since`, by status (expired: timed out).")
    assignments: int = Field(description="Cases assigned since `since`.")
    time_to_assign_s: dict[str, float | None] = Field(
        description="Percentiles (p50, p90, p95, p99) of first routing decision -> assignment; null without data."
    )
    agents: list[OccupancyOut]
    teams: list[OccupancyOut]


class QueueGroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    skill: str = Field(description="The required skill.")
    priority: str
    depth: int = Field(description="Cases waiting, unassigned.")
    reserved: int = Field(description="Of which held for the customer's previous agent a while.")
    oldest_case_id: str | None
    oldest_waiting_seconds: float | None
    case_ids: list[str] = Field(description="In service order (oldest first); at most `case_ids_limit`.")


class FloorAgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent_id: str
    display_name: str | None
    presence: Presence
    presence_since: datetime
    team: str | None
    supervisor: bool
    load: dict[str, int] = Field(description="Offers held and active assignments per channel.")
    capacity: dict[str, int] = Field(description="Limit per served channel.")
    active_cases: int = Field(description="Offers held and active assignments, every channel.")
    max_total: int = Field(description="Overall limit across channels.")
    occupancy: float = Field(ge=0, le=1, description="active_cases / max_total")
    case_ids: list[str] = Field(description="Its active assignments, newest first.")
    offered_case_ids: list[str] = Field(description="Cases offered to it, not yet answered, oldest first.")


class EndedOfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    offer_id: str
    case_id: str
    agent_id: str
    outcome: Literal["declined", "expired"]
    reason: str | None = Field(description="The agent's reason for declining, when given.")
    at: datetime
    channel: str


class FloorTotalsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    waiting: int = Field(description="Cases in the queue.")
    offered: int = Field(description="Pending offers.")
    assigned: int = Field(description="Active assignments.")


class SnapshotOut(BaseModel):
    """The live floor, read in one transaction: one consistent state of the router."""

    model_config = ConfigDict(from_attributes=True)

    generated_at: datetime
    queue: list[QueueGroupOut] = Field(description="Waiting cases per skill and priority, most pressing first.")
    agents: list[FloorAgentOut] = Field(description="Every agent: available first, then busy, away, offline.")
    presence_counts: dict[str, int] = Field(description="Agents per presence; every presence listed.")
    offers_recent: list[EndedOfferOut] = Field(
        description="Offers declined or expired in the last `window_minutes`, newest first; at most `offers_limit`."
    )
    offers_recent_counts: dict[str, int] = Field(description="All of those, by outcome (declined, expired).")
    totals: FloorTotalsOut
    window_minutes: int
    case_ids_limit: int
    offers_limit: int


class Items(BaseModel, Generic[T]):
    """A list answer: `{"items": [...]}`, so fields (paging, totals) can be added without breaking clients."""

    items: list[T]
