"""The case timeline: every change, with who made it and why, in time order."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.models import TimelineEntry
from shared.auth import Principal


@dataclass(frozen=True)
class Actor:
    """Who did something: `kind` is customer, agent, supervisor, admin, system or router."""

    kind: str
    id: str | None = None


SYSTEM = Actor("system")
ROUTER = Actor("router")


def actor_of(principal: Principal) -> Actor:
    """The API caller as a timeline actor: an agent by agent id, others by the token's subject."""
    return Actor(principal.role.value, principal.agent_id or principal.subject)


def customer(customer_id: str) -> Actor:
    return Actor("customer", customer_id)


_sequence = itertools.count()


def _ordered_id() -> str:
    """Ids that sort in the order entries were written (entries of one change share their `at`): nanoseconds, this
    process's id and a counter."""
    return f"{time.time_ns():020d}-{os.getpid() % 100000:05d}-{next(_sequence) % 1000000:06d}"


def record(
    session: AsyncSession,
    *,
    case_id: str,
    kind: str,
    actor: Actor,
    at: datetime,
    detail: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> TimelineEntry:
    """Add an entry to the case's timeline (written with the caller's transaction)."""
    entry = TimelineEntry(
        id=_ordered_id(),
        case_id=case_id,
        at=at,
        kind=kind,
        actor_kind=actor.kind,
        actor_id=actor.id,
        message_id=message_id,
        detail=detail or {},
    )
    session.add(entry)
    return entry


async def entries_of(session: AsyncSession, *, case_id: str) -> Sequence[TimelineEntry]:
    rows = await session.execute(
        select(TimelineEntry).where(TimelineEntry.case_id == case_id).order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return rows.scalars().all()
