"""Routing rules, pure and synchronous: what a case requires, who may take it, and who should."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

MIN_LEVEL: Final = 1
MAX_LEVEL: Final = 4

NOT_AVAILABLE: Final = "not available"
AT_CAPACITY: Final = "at capacity"
LACKS_SKILL: Final = "lacks skill"
LEVEL_BELOW_MINIMUM: Final = "skill level below minimum"
LANGUAGE_NOT_SPOKEN: Final = "does not speak language"
CHANNEL_NOT_SERVED: Final = "does not serve channel"
DECLINED_BEFORE: Final = "declined this case before"
NOT_SUPERVISOR: Final = "not a supervisor"
OUTSIDE_WORKING_HOURS: Final = "outside working hours"
HOLDS_CASE: Final = "holds this case now"  # a dry run of a case offered or assigned: its holder is not a candidate

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_MIN_LEVEL_FOR_PRIORITY: Final[Mapping[str, int]] = {"low": 1, "normal": 1, "high": 2, "urgent": 3}
# Markers case_service puts on a case (its tone, its stakes) -> the minimum level they call for; unlisted: none.
DEFAULT_MIN_LEVEL_FOR_MARKER: Final[Mapping[str, int]] = {"angry": 2, "urgent": 2, "legal_threat": 3}

# Queue order: a lower rank is served first. Unknown priorities wait behind every known one.
PRIORITY_RANK: Final[Mapping[str, int]] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
UNKNOWN_PRIORITY_RANK: Final = 9

DEFAULT_OFFER_TIMEOUT: Final = timedelta(seconds=30)

# Ranking steps, applied in the configured order (ROUTER_SERVICE_STRATEGY); ties end on the agent id.
CONTINUITY: Final = "continuity"  # the customer's previous agent first
PREFERRED_SKILLS: Final = "preferred_skills"  # more of the case's preferred skills first
LEAST_OVERQUALIFIED: Final = "least_overqualified"  # keep experts free for hard cases
LOWEST_OCCUPANCY: Final = "lowest_occupancy"
LONGEST_IDLE: Final = "longest_idle"  # never assigned first, then the oldest last assignment
STRATEGIES: Final = (CONTINUITY, PREFERRED_SKILLS, LEAST_OVERQUALIFIED, LOWEST_OCCUPANCY, LONGEST_IDLE)
DEFAULT_STRATEGY: Final = STRATEGIES

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
class Schedule:
    """Working hours per weekday in the agent's timezone; a day not listed is a day off. An end before the start
    runs past midnight (into the next day, still counted as that weekday's shift)."""

    timezone: str
    hours: Mapping[str, tuple[time, time]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Schedule:
        hours = {
            day: (time.fromisoformat(start), time.fromisoformat(end)) for day, (start, end) in data["hours"].items()
        }
        return cls(timezone=str(data["timezone"]), hours=hours)

    def on_duty(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.timezone))
        now = local.time().replace(tzinfo=None)
        today = self.hours.get(WEEKDAYS[local.weekday()])
        if today is not None:
            start, end = today
            if start <= now < end or (end <= start and now >= start):
                return True
        yesterday = self.hours.get(WEEKDAYS[(local.weekday() - 1) % 7])
        return yesterday is not None and yesterday[1] <= yesterday[0] and now < yesterday[1]


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
    channel_capacity: Mapping[str, int] = field(default_factory=dict)  # a channel not listed: only `capacity` limits
    channel_load: Mapping[str, int] = field(default_factory=dict)
    auto_accept: bool = False
    team: str | None = None
    supervisor: bool = False  # takes escalated cases whatever their skill and level
    schedule: Schedule | None = None  # None: always on duty (presence alone decides)

    def has_room(self, channel: str) -> bool:
        """Under the overall limit and under the channel's own limit."""
        limit = self.channel_capacity.get(channel)
        return self.active_cases < self.capacity and (limit is None or self.channel_load.get(channel, 0) < limit)

    def holding_one_more(self, channel: str, *, at: datetime) -> AgentView:
        load = {**self.channel_load, channel: self.channel_load.get(channel, 0) + 1}
        return replace(self, active_cases=self.active_cases + 1, channel_load=load, last_assignment_at=at)


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
    min_level_for_marker: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_LEVEL_FOR_MARKER))
    offer_timeout: timedelta = DEFAULT_OFFER_TIMEOUT
    strategy: tuple[str, ...] = DEFAULT_STRATEGY
    # How long a new case is held for the customer's previous agent when only being busy or full keeps them from it;
    # zero: never held.
    continuity_wait: timedelta = timedelta(0)


DEFAULT_POLICY: Final = RoutingPolicy()


@dataclass(frozen=True)
class Score:
    """Why one eligible agent ranks before another; lower is better, field by field."""

    over_qualification: int
    occupancy: Fraction
    last_assignment_at: datetime | None
    continuity: bool = False  # the customer's previous agent
    preferred_skills: int = 0  # how many of the case's preferred skills the agent has (any level)


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


def estimated_wait_s(position: int, served: int, window: timedelta) -> float | None:
    """Seconds until the case `position`-th in line for its skill is served, at the rate of `served` per `window`;
    None when nothing was served (no basis for an estimate)."""
    if served <= 0:
        return None
    return round(position * window.total_seconds() / served, 1)


def relaxed_level(
    level: int, *, priority: str, waiting_since: datetime, now: datetime, after: Mapping[str, timedelta]
) -> int | None:
    """One level lower when the case waited `after[priority]` since it was queued or last relaxed; None when it
    stays (already at the lowest level, or no threshold for its priority)."""
    threshold = after.get(str(priority))
    if threshold is None or level <= MIN_LEVEL or now - waiting_since < threshold:
        return None
    return level - 1


def raised_priority(priority: str) -> str | None:
    """The next more pressing priority (low -> normal -> high -> urgent); None when already urgent or unknown."""
    rank = PRIORITY_RANK.get(str(priority))
    if rank is None or rank == 0:
        return None
    return next(name for name, r in PRIORITY_RANK.items() if r == rank - 1)


def supervisor_exclusions(agent: AgentView, requirement: Requirement) -> list[str]:
    """Why `agent` may not take an escalated case: supervisors ignore skill and level, not presence, capacity,
    language or channel."""
    ignored = (LACKS_SKILL, LEVEL_BELOW_MINIMUM, DECLINED_BEFORE)
    reasons = [r for r in exclusion_reasons(agent, requirement) if r not in ignored]
    return reasons if agent.supervisor else [NOT_SUPERVISOR, *reasons]


def requirement_for(case: CaseFacts, policy: RoutingPolicy, *, markers: Iterable[str] = ()) -> Requirement:
    """The case's skill (by category), minimum level (the highest its priority and any of its markers call for),
    language and channel."""
    category = normalize_name(case.category)
    priority = str(case.priority)
    levels = [policy.min_level_for_priority.get(priority, MIN_LEVEL)]
    levels += [policy.min_level_for_marker.get(normalize_name(m), MIN_LEVEL) for m in markers]
    return Requirement(
        skill=normalize_name(policy.skill_for_category.get(category, category)),
        min_level=min(max(levels), MAX_LEVEL),
        language=primary_language(case.language),
        channel=str(case.channel),
    )


def levels_called_for(priority: str, markers: Iterable[str], policy: RoutingPolicy) -> dict[str, int]:
    """What calls for which minimum level: `priority` under its name, then each marker the policy lists (a marker
    it does not list calls for nothing and is left out). `requirement_for` takes the highest."""
    levels = {f"priority {priority}": policy.min_level_for_priority.get(str(priority), MIN_LEVEL)}
    for marker in markers:
        name = normalize_name(marker)
        if name in policy.min_level_for_marker:
            levels[f"marker {name}"] = policy.min_level_for_marker[name]
    return levels


def priority_rank(priority: str) -> int:
    return PRIORITY_RANK.get(str(priority), UNKNOWN_PRIORITY_RANK)


def speaks(agent: AgentView, language: str) -> bool:
    return any(primary_language(spoken) == language for spoken in agent.languages)


def capacity_per_channel(
    capacity: int | Mapping[str, int], channels: Iterable[str], max_total: int | None
) -> tuple[dict[str, int], int]:
    """(limit per served channel, overall limit) from an agent's `capacity` (a number: that many on every channel)
    and optional `max_total` (default: the number itself, or the sum of the per-channel limits)."""
    served = list(channels)
    if isinstance(capacity, int):
        return {channel: capacity for channel in served}, max_total if max_total is not None else capacity
    total = max_total if max_total is not None else max(1, sum(capacity.get(c, 0) for c in served))
    return {channel: capacity.get(channel, total) for channel in served}, total


def exclusion_reasons(
    agent: AgentView,
    requirement: Requirement,
    *,
    declined: Collection[str] = (),
    at: datetime | None = None,
    holder: str | None = None,
) -> list[str]:
    """Every reason `agent` may not take a case with `requirement` (at `at`, default now); empty when eligible.
    `holder`: the agent the case is offered or assigned to now, who cannot be given it again."""
    reasons = []
    if agent.id == holder:
        reasons.append(HOLDS_CASE)
    if agent.id in declined:
        reasons.append(DECLINED_BEFORE)
    if agent.presence != Presence.AVAILABLE:
        reasons.append(NOT_AVAILABLE)
    if agent.schedule is not None and not agent.schedule.on_duty(at or datetime.now(UTC)):
        reasons.append(OUTSIDE_WORKING_HOURS)
    if not agent.has_room(requirement.channel):
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


def worth_waiting_for(agent: AgentView, requirement: Requirement, *, declined: Collection[str] = ()) -> bool:
    """Whether `agent` would be eligible but for being busy or full: the case may be held for them a while. An agent
    away or offline, or lacking anything else, is not waited for."""
    if agent.presence not in (Presence.AVAILABLE, Presence.BUSY):
        return False
    reasons = exclusion_reasons(agent, requirement, declined=declined)
    return bool(reasons) and set(reasons) <= {NOT_AVAILABLE, AT_CAPACITY}


def score(
    agent: AgentView, requirement: Requirement, *, previous_agent: str | None = None, preferred: Collection[str] = ()
) -> Score:
    return Score(
        over_qualification=agent.skills.get(requirement.skill, 0) - requirement.min_level,
        occupancy=Fraction(agent.active_cases, agent.capacity),
        last_assignment_at=agent.last_assignment_at,
        continuity=previous_agent is not None and agent.id == previous_agent,
        preferred_skills=sum(1 for skill in preferred if skill in agent.skills),
    )


def _step_key(step: str, s: Score) -> tuple[object, ...]:
    if step == CONTINUITY:
        return (not s.continuity,)
    if step == PREFERRED_SKILLS:
        return (-s.preferred_skills,)
    if step == LEAST_OVERQUALIFIED:
        return (s.over_qualification,)
    if step == LOWEST_OCCUPANCY:
        return (s.occupancy,)
    idle_since = s.last_assignment_at  # LONGEST_IDLE: never assigned first, then the oldest assignment
    return (idle_since is not None, idle_since or _NEVER)


def rank(
    eligible: Iterable[AgentView],
    requirement: Requirement,
    *,
    strategy: Sequence[str] = DEFAULT_STRATEGY,
    previous_agent: str | None = None,
    preferred: Collection[str] = (),
) -> list[AgentView]:
    """Best first by the strategy's steps in order (default: the customer's previous agent, most preferred skills,
    least over-qualified, least occupied, idle longest), then id."""

    def key(agent: AgentView) -> tuple[object, ...]:
        s = score(agent, requirement, previous_agent=previous_agent, preferred=preferred)
        return (*(part for step in strategy for part in _step_key(step, s)), agent.id)

    return sorted(eligible, key=key)


def evaluate(
    agents: Iterable[AgentView],
    requirement: Requirement,
    *,
    declined: Collection[str] = (),
    strategy: Sequence[str] = DEFAULT_STRATEGY,
    previous_agent: str | None = None,
    preferred: Collection[str] = (),
    holder: str | None = None,
    at: datetime | None = None,
) -> Evaluation:
    """Every agent with its exclusion reasons or score (in id order), and the eligible ones ranked."""
    candidates = []
    eligible = []
    for agent in sorted(agents, key=lambda a: a.id):
        reasons = exclusion_reasons(agent, requirement, declined=declined, at=at, holder=holder)
        if reasons:
            candidates.append(Candidate(agent.id, tuple(reasons), None))
        else:
            agent_score = score(agent, requirement, previous_agent=previous_agent, preferred=preferred)
            candidates.append(Candidate(agent.id, (), agent_score))
            eligible.append(agent)
    ranked = rank(eligible, requirement, strategy=strategy, previous_agent=previous_agent, preferred=preferred)
    return Evaluation(tuple(candidates), tuple(ranked))
