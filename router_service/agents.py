"""Agent commands from the API: create or replace an agent, change its presence. Both drain the queue to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import DEFAULT_POLICY, Presence, RoutingPolicy, capacity_per_channel
from router_service.handlers import drain_queue_for
from router_service.models import Agent
from router_service.offers import rescind_pending


async def save_agent(
    session: AsyncSession,
    *,
    agent_id: str,
    name: str,
    skills: Mapping[str, int],
    languages: Sequence[str],
    channels: Sequence[str],
    capacity: int | Mapping[str, int],
    presence: Presence | None,
    max_total: int | None = None,
    team: str | None = None,
    auto_accept: bool = False,
    supervisor: bool = False,
    schedule: Mapping[str, Any] | None = None,
    policy: RoutingPolicy = DEFAULT_POLICY,
) -> tuple[Agent, bool]:
    """Create or replace the agent (its workload and presence, unless given, are kept); True when created.

    `capacity` is a limit per channel (a number: the same limit on every channel); `max_total` the overall limit.
    """
    now = datetime.now(UTC)
    agent = await repository.get_agent(session, agent_id=agent_id, for_update=True)
    created = agent is None
    if agent is None:
        agent = Agent(
            id=agent_id,
            active_cases=0,
            presence=(presence or Presence.OFFLINE).value,
            presence_changed_at=now,
            last_assignment_at=None,
            created_at=now,
            loads=[],
        )
        session.add(agent)
    elif presence is not None:
        _set_presence(agent, presence, at=now)
    served = list(dict.fromkeys(channels))
    limits, total = capacity_per_channel(capacity, served, max_total)
    agent.name = name
    agent.skills = dict(skills)
    agent.languages = list(dict.fromkeys(languages))
    agent.channels = served
    agent.capacity = total
    agent.team = team
    agent.auto_accept = auto_accept
    agent.supervisor = supervisor
    agent.schedule = dict(schedule) if schedule is not None else None
    agent.updated_at = now
    await session.flush()
    await repository.set_channel_capacity(session, agent_id=agent_id, limits=limits)
    if presence in (Presence.AWAY, Presence.OFFLINE):
        await rescind_pending(session, agent_id=agent_id, policy=policy)
    # New skills, more capacity or coming online may each let the agent take waiting cases.
    await drain_queue_for(session, agent_id=agent_id, policy=policy)
    await session.refresh(agent)
    return agent, created


async def change_presence(
    session: AsyncSession, *, agent_id: str, presence: Presence, policy: RoutingPolicy = DEFAULT_POLICY
) -> Agent | None:
    """Set the agent's presence; None when there is no such agent. Going away or offline re-routes the agent's
    pending offers at once; becoming available hands it waiting cases."""
    agent = await repository.get_agent(session, agent_id=agent_id, for_update=True)
    if agent is None:
        return None
    now = datetime.now(UTC)
    _set_presence(agent, presence, at=now)
    agent.updated_at = now
    await session.flush()
    if presence in (Presence.AWAY, Presence.OFFLINE):
        await rescind_pending(session, agent_id=agent_id, policy=policy)
        await session.refresh(agent)
    if presence is Presence.AVAILABLE:
        await drain_queue_for(session, agent_id=agent_id, policy=policy)
    return agent


def _set_presence(agent: Agent, presence: Presence, *, at: datetime) -> None:
    if agent.presence != presence.value:
        agent.presence = presence.value
        agent.presence_changed_at = at
