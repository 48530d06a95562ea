"""Routing rules, pure and synchronous: what a case requires, who may take it, and who should."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Final, Protocol

MIN_LEVEL: Final = 1
MAX_LEVEL: Final = 4

NOT_AVAILABLE: Final = "not available"
AT_CAPACITY: Final = "at capacity"
LACKS_SKILL: Final = "lacks skill"
LEVEL_BELOW_MINIMUM: Final = "skill level below minimum"
LANGUAGE_NOT_SPOKEN: Final = "does not speak language"
CHANNEL_NOT_SERVED: Final = "does not serve channel"

DEFAULT_MIN_LEVEL_FOR_PRIORITY: Final[Mapping[str, int]] = {"low": 1, "normal": 1, "high": 2, "urgent": 3}

# Queue order: a lower rank is served first. Unknown priorities wait behind every known one.
PRIORITY_RANK: Final[Mapping[str, int]] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
UNKNOWN_PRIORITY_RANK: Final = 9

_NEVER: Final = datetime.min.replace(tzinfo=UTC)


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Requirement:
    """What an agent needs to take a case. `language` None means any language will do."""

    skill: str
    min_level: int
    language: str | None
    channel: str


@dataclass(frozen=True)
class AgentView:
    """An agent as routing sees it. Datetimes are timezone-aware."""

    id: str
    skills: Mapping[str, int]
    languages: frozenset[str]
    channels: frozenset[str]
    capacity: int
    active_cases: int
    presence: str
    last_assignment_at: datetime | None


class CaseFacts(Protocol):
    """The parts of a case its requirement is derived from (CaseOpened has them)."""

    @property
    def category(self) -> str: ...

    @property
    def priority(self) -> str: ...

    @property
    def language(self) -> str | None: ...

    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class RoutingPolicy:
    """Category -> required skill (unlisted categories need the skill of the same name); priority -> minimum level."""

    skill_for_category: Mapping[str, str] = field(default_factory=dict)
    min_level_for_priority: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_LEVEL_FOR_PRIORITY))


@dataclass(frozen=True)
class Score:
    """Why one eligible agent ranks before another; lower is better, field by field."""

    over_qualification: int
    occupancy: Fraction
    last_assignment_at: datetime | None


@dataclass(frozen=True)
class Candidate:
    """One agent considered for a case: the reasons it was excluded, or its score when eligible."""

    agent_id: str
    reasons: tuple[str, ...]
    score: Score | None


@dataclass(frozen=True)
class Evaluation:
    candidates: tuple[Candidate, ...]
    ranked: tuple[AgentView, ...]


def normalize_name(name: str) -> str:
    """Skills and categories compare case-insensitively."""
    return name.strip().lower()


def primary_language(tag: str | None) -> str | None:
    """`vi-VN` and `vi` are the same language for routing; empty means unknown."""
    if tag is None:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary or None


def requirement_for(case: CaseFacts, policy: RoutingPolicy) -> Requirement:
    category = normalize_name(case.category)
    priority = str(case.priority)
    return Requirement(
        skill=normalize_name(policy.skill_for_category.get(category, category)),
        min_level=policy.min_level_for_priority.get(priority, MIN_LEVEL),
        language=primary_language(case.language),
        channel=str(case.channel),
    )


def priority_rank(priority: str) -> int:
    return PRIORITY_RANK.get(str(priority), UNKNOWN_PRIORITY_RANK)


def speaks(agent: AgentView, language: str) -> bool:
    return any(primary_language(spoken) == language for spoken in agent.languages)


def exclusion_reasons(agent: AgentView, requirement: Requirement) -> list[str]:
    """Every reason `agent` may not take a case with `requirement`; empty when it is eligible."""
    reasons = []
    if agent.presence != Presence.AVAILABLE:
        reasons.append(NOT_AVAILABLE)
    if agent.active_cases >= agent.capacity:
        reasons.append(AT_CAPACITY)
    level = agent.skills.get(requirement.skill)
    if level is None:
        reasons.append(LACKS_SKILL)
    elif level < requirement.min_level:
        reasons.append(LEVEL_BELOW_MINIMUM)
    if requirement.language is not None and not speaks(agent, requirement.language):
        reasons.append(LANGUAGE_NOT_SPOKEN)
    if requirement.channel not in agent.channels:
        reasons.append(CHANNEL_NOT_SERVED)
    return reasons


def score(agent: AgentView, requirement: Requirement) -> Score:
    return Score(
        over_qualification=agent.skills.get(requirement.skill, 0) - requirement.min_level,
        occupancy=Fraction(agent.active_cases, agent.capacity),
        last_assignment_at=agent.last_assignment_at,
    )


def rank(eligible: Iterable[AgentView], requirement: Requirement) -> list[AgentView]:
    """Best first: least over-qualified, then least occupied, then idle longest (never assigned first), then id."""

    def key(agent: AgentView) -> tuple[int, Fraction, bool, datetime, str]:
        s = score(agent, requirement)
        idle_since = s.last_assignment_at
        return (s.over_qualification, s.occupancy, idle_since is not None, idle_since or _NEVER, agent.id)

    return sorted(eligible, key=key)


def evaluate(agents: Iterable[AgentView], requirement: Requirement) -> Evaluation:
    """Every agent with its exclusion reasons or score (in id order), and the eligible ones ranked."""
    candidates = []
    eligible = []
    for agent in sorted(agents, key=lambda a: a.id):
        reasons = exclusion_reasons(agent, requirement)
        if reasons:
            candidates.append(Candidate(agent.id, tuple(reasons), None))
        else:
            candidates.append(Candidate(agent.id, (), score(agent, requirement)))
            eligible.append(agent)
    return Evaluation(tuple(candidates), tuple(rank(eligible, requirement)))
