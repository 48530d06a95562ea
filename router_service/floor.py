"""The supervisor's live floor, pure: the queue per skill and priority, agents by presence with their load, and the
offers that came to nothing lately, aggregated from rows read in one transaction (router_service.floor_repository)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Final

from router_service.domain import Presence

PRESENCE_ORDER: Final = tuple(Presence)  # available, busy, away, offline: the order agents are listed in
ENDED_OUTCOMES: Final = ("declined", "expired")


@dataclass(frozen=True)
class WaitingRow:
    """One of the first waiting cases of its skill and priority (in service order), with its group's counts."""

    skill: str
    priority: str
    priority_rank: int
    case_id: str
    enqueued_at: datetime
    depth: int  # every waiting case of the group, not only the rows read
    reserved: int  # of which held for the customer's previous agent


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    display_name: str | None
    presence: str
    team: str | None
    supervisor: bool
    channels: Sequence[str]
    max_total: int
    active_cases: int
    presence_since: datetime


@dataclass(frozen=True)
class ChannelLoad:
    agent_id: str
    channel: str
    capacity: int
    held: int


@dataclass(frozen=True)
class HeldCase:
    """A case an agent holds: an active assignment, or a pending offer (`offered`)."""

    agent_id: str
    case_id: str
    offered: bool


@dataclass(frozen=True)
class EndedOffer:
    offer_id: str
    case_id: str
    agent_id: str
    outcome: str  # declined | expired
    reason: str | None
    at: datetime
    channel: str


@dataclass(frozen=True)
class QueueGroup:
    skill: str
    priority: str
    depth: int
    reserved: int
    oldest_case_id: str | None
    oldest_waiting_seconds: float | None
    case_ids: list[str]


@dataclass(frozen=True)
class AgentOnFloor:
    agent_id: str
    display_name: str | None
    presence: str
    presence_since: datetime
    team: str | None
    supervisor: bool
    load: dict[str, int]
    capacity: dict[str, int]
    active_cases: int
    max_total: int
    occupancy: float
    case_ids: list[str]
    offered_case_ids: list[str]


@dataclass(frozen=True)
class Totals:
    waiting: int
    offered: int
    assigned: int


@dataclass(frozen=True)
class Snapshot:
    generated_at: datetime
    window_minutes: int
    queue: list[QueueGroup]
    agents: list[AgentOnFloor]
    presence_counts: dict[str, int]
    offers_recent: list[EndedOffer]
    offers_recent_counts: dict[str, int]
    totals: Totals


def build_snapshot(
    *,
    now: datetime,
    window: timedelta,
    waiting: Iterable[WaitingRow],
    agents: Iterable[AgentRow],
    loads: Iterable[ChannelLoad],
    held: Iterable[HeldCase],
    ended_offers: Iterable[EndedOffer],
    ended_counts: Mapping[str, int],
) -> Snapshot:
    """The floor at `now`: every figure computed here from the rows given, none left for the client to add up."""
    queue = queue_groups(waiting, now=now)
    on_floor = agents_on_floor(agents, loads, held)
    held_cases = [*held]
    return Snapshot(
        generated_at=now,
        window_minutes=int(window.total_seconds() // 60),
        queue=queue,
        agents=on_floor,
        presence_counts=presence_counts(a.presence for a in on_floor),
        offers_recent=sorted(ended_offers, key=lambda o: (o.at, o.offer_id), reverse=True),
        offers_recent_counts={outcome: int(ended_counts.get(outcome, 0)) for outcome in ENDED_OUTCOMES},
        totals=Totals(
            waiting=sum(g.depth for g in queue),
            offered=sum(1 for h in held_cases if h.offered),
            assigned=sum(1 for h in held_cases if not h.offered),
        ),
    )


def queue_groups(rows: Iterable[WaitingRow], *, now: datetime) -> list[QueueGroup]:
    """One group per skill and priority, most pressing priority first, then by skill; its cases in service order
    (oldest first), so the first is the oldest."""
    ordered = sorted(rows, key=lambda r: (r.priority_rank, r.skill, r.priority, r.enqueued_at, r.case_id))
    groups = []
    for (_, skill, priority), members in groupby(ordered, key=lambda r: (r.priority_rank, r.skill, r.priority)):
        cases = list(members)
        oldest = cases[0]
        groups.append(
            QueueGroup(
                skill=skill,
                priority=priority,
                depth=max(oldest.depth, len(cases)),
                reserved=oldest.reserved,
                oldest_case_id=oldest.case_id,
                oldest_waiting_seconds=seconds_since(oldest.enqueued_at, now),
                case_ids=[c.case_id for c in cases],
            )
        )
    return groups


def agents_on_floor(
    agents: Iterable[AgentRow], loads: Iterable[ChannelLoad], held: Iterable[HeldCase]
) -> list[AgentOnFloor]:
    """Agents by presence (available first), then id, each with its load and limit per served channel (load also
    on a channel it no longer serves but still holds a case of), occupancy, and the cases it holds."""
    loads_of: dict[str, list[ChannelLoad]] = {}
    for load in loads:
        loads_of.setdefault(load.agent_id, []).append(load)
    assigned: dict[str, list[str]] = {}
    offered: dict[str, list[str]] = {}
    for case in held:
        (offered if case.offered else assigned).setdefault(case.agent_id, []).append(case.case_id)
    result = []
    for agent in agents:
        served = set(agent.channels)
        mine = sorted(loads_of.get(agent.agent_id, []), key=lambda c: c.channel)
        result.append(
            AgentOnFloor(
                agent_id=agent.agent_id,
                display_name=agent.display_name,
                presence=agent.presence,
                presence_since=agent.presence_since,
                team=agent.team,
                supervisor=agent.supervisor,
                load={c.channel: c.held for c in mine if c.channel in served or c.held},
                capacity={c.channel: c.capacity for c in mine if c.channel in served},
                active_cases=agent.active_cases,
                max_total=agent.max_total,
                occupancy=occupancy(agent.active_cases, agent.max_total),
                case_ids=assigned.get(agent.agent_id, []),
                offered_case_ids=offered.get(agent.agent_id, []),
            )
        )
    return sorted(result, key=lambda a: (_presence_rank(a.presence), a.agent_id))


def presence_counts(presences: Iterable[str]) -> dict[str, int]:
    """Agents per presence, every presence listed (0 when nobody has it)."""
    counts = {presence.value: 0 for presence in PRESENCE_ORDER}
    for presence in presences:
        if presence in counts:
            counts[presence] += 1
    return counts


def occupancy(active_cases: int, max_total: int) -> float:
    """Share of the overall limit in use, 0..1."""
    if max_total <= 0:
        return 0.0
    return round(min(1.0, max(0.0, active_cases / max_total)), 4)


def seconds_since(at: datetime, now: datetime) -> float:
    return round(max(0.0, (now - at).total_seconds()), 3)


def _presence_rank(presence: str) -> int:
    values = [p.value for p in PRESENCE_ORDER]
    return values.index(presence) if presence in values else len(values)
