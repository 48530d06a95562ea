"""Routing statistics: what became of offers, how long cases took to be assigned, how occupied agents and teams are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.models import Assignment, Offer, RoutingDecision

PERCENTILES = (50, 90, 95, 99)


@dataclass(frozen=True)
class Occupancy:
    id: str
    active_cases: int
    max_total: int
    occupancy: float


@dataclass(frozen=True)
class Statistics:
    since: datetime
    offers: dict[str, int]
    assignments: int
    time_to_assign_s: dict[str, float | None]
    agents: list[Occupancy] = field(default_factory=list)
    teams: list[Occupancy] = field(default_factory=list)


def percentile(sorted_values: Sequence[float], p: int) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, -(-p * len(sorted_values) // 100))
    return round(sorted_values[rank - 1], 3)


async def statistics(session: AsyncSession, *, window: timedelta) -> Statistics:
    since = datetime.now(UTC) - window
    by_status = select(Offer.status, func.count()).where(Offer.created_at >= since).group_by(Offer.status)
    offers = {status: 0 for status in ("pending", "accepted", "declined", "expired", "rescinded")}
    offers.update({status: count for status, count in (await session.execute(by_status)).all()})
    first_decision = (
        select(RoutingDecision.case_id, func.min(RoutingDecision.decided_at).label("first"))
        .group_by(RoutingDecision.case_id)
        .subquery()
    )
    assigned = (
        select(Assignment.assigned_at, first_decision.c.first)
        .join(first_decision, first_decision.c.case_id == Assignment.case_id)
        .where(Assignment.assigned_at >= since)
    )
    waits = sorted(
        max(0.0, (at - first).total_seconds())
        for at, first in (await session.execute(assigned)).all()
        if first is not None
    )
    agents = await repository.list_agents(session)
    per_agent = [_occupancy(a.id, a.active_cases, a.capacity) for a in agents]
    teams: dict[str, tuple[int, int]] = {}
    for agent in agents:
        if agent.team is not None:
            active, total = teams.get(agent.team, (0, 0))
            teams[agent.team] = (active + agent.active_cases, total + agent.capacity)
    return Statistics(
        since=since,
        offers=offers,
        assignments=len(waits),
        time_to_assign_s={f"p{p}": percentile(waits, p) for p in PERCENTILES},
        agents=per_agent,
        teams=[_occupancy(team, active, total) for team, (active, total) in sorted(teams.items())],
    )


def _occupancy(name: str, active: int, total: int) -> Occupancy:
    return Occupancy(name, active, total, round(active / total, 4) if total else 0.0)
