"""A case's SLA clocks in the database: started when it opens, paused while waiting on the customer, met by the first
reply and by the resolution, retargeted when the priority changes. The arithmetic is `case_service.sla`'s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import lifecycle, sla
from case_service.domain import CaseStatus
from case_service.models import Case, SlaClock
from case_service.policy import CasePolicy
from shared.events import Priority, SlaTarget

TARGETS = (SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION)
# worst first: the case's `sla_status` is the worst state among its clocks
_SEVERITY = ("breached", "at_risk", "ok", "paused", "met")


def clock_of(row: SlaClock) -> sla.Clock:
    return sla.Clock(
        target_seconds=row.target_seconds,
        consumed_seconds=row.consumed_seconds,
        running_since=row.running_since,
        met_at=row.met_at,
    )


def _store(row: SlaClock, clock: sla.Clock, policy: CasePolicy, *, now: datetime) -> None:
    """Write `clock` back with its derived due and at-risk times; a target that moved later may notify again."""
    row.target_seconds = clock.target_seconds
    row.consumed_seconds = clock.consumed_seconds
    row.running_since = clock.running_since
    row.met_at = clock.met_at
    row.due_at = sla.due_at(clock, policy.calendar)
    row.at_risk_at = sla.at_risk_at(clock, policy.calendar, fraction=policy.at_risk_fraction)
    if row.at_risk_at is not None and row.at_risk_at > now:
        row.at_risk_notified_at = None
    if row.due_at is not None and row.due_at > now:
        row.breached_notified_at = None


async def clocks_of(session: AsyncSession, *, case_id: str) -> dict[SlaTarget, SlaClock]:
    rows = await session.execute(select(SlaClock).where(SlaClock.case_id == case_id))
    return {SlaTarget(row.target): row for row in rows.scalars()}


async def start(session: AsyncSession, *, case: Case, policy: CasePolicy, now: datetime) -> None:
    """Both clocks of a new case, running from `now`."""
    for target in TARGETS:
        row = SlaClock(case_id=case.id, target=target.value)
        clock = sla.start_clock(target=policy.sla_target(Priority(case.priority), target), now=now)
        _store(row, clock, policy, now=now)
        session.add(row)
    case.sla_status = "ok"


async def follow_status(
    session: AsyncSession, *, case: Case, old: CaseStatus, new: CaseStatus, policy: CasePolicy, now: datetime
) -> None:
    """Move the clocks with a status change: pending_customer pauses them, resolved/closed stops them, back to open
    resumes them (a reopened case's resolution clock continues from where it stopped)."""
    rows = await clocks_of(session, case_id=case.id)
    for target, row in rows.items():
        clock = clock_of(row)
        if new in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            if clock.met_at is None:
                clock = sla.meet(clock, now=now, calendar=policy.calendar)
        elif lifecycle.sla_paused(new):
            if clock.running_since is not None:
                clock = sla.pause(clock, now=now, calendar=policy.calendar)
        elif lifecycle.sla_running(new):
            if old in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and target is SlaTarget.RESOLUTION:
                clock = sla.Clock(
                    target_seconds=clock.target_seconds, consumed_seconds=clock.consumed_seconds, running_since=now
                )
            elif clock.met_at is None and clock.running_since is None:
                clock = sla.resume(clock, now=now)
        _store(row, clock, policy, now=now)
    refresh_status(case, rows.values(), policy=policy, now=now)


async def meet_first_response(session: AsyncSession, *, case: Case, policy: CasePolicy, now: datetime) -> None:
    """The first reply to the customer meets the first-response target (later replies change nothing)."""
    rows = await clocks_of(session, case_id=case.id)
    row = rows.get(SlaTarget.FIRST_RESPONSE)
    if row is not None and row.met_at is None:
        _store(row, sla.meet(clock_of(row), now=now, calendar=policy.calendar), policy, now=now)
    if case.first_response_at is None:
        case.first_response_at = now
    refresh_status(case, rows.values(), policy=policy, now=now)


async def retarget(session: AsyncSession, *, case: Case, policy: CasePolicy, now: datetime) -> None:
    """The case's priority changed: its clocks measure against the new priority's targets."""
    rows = await clocks_of(session, case_id=case.id)
    for target, row in rows.items():
        clock = sla.retarget(clock_of(row), target=policy.sla_target(Priority(case.priority), target))
        _store(row, clock, policy, now=now)
    refresh_status(case, rows.values(), policy=policy, now=now)


def clock_state(row: SlaClock, *, policy: CasePolicy, now: datetime) -> str:
    """ok, at_risk, breached, paused or met; a target met after its time counts as breached."""
    clock = clock_of(row)
    if clock.met_at is not None:
        return "breached" if clock.consumed_seconds > clock.target_seconds else "met"
    return sla.state(clock, now=now, calendar=policy.calendar, fraction=policy.at_risk_fraction).value


def worst_state(rows: Any, *, policy: CasePolicy, now: datetime) -> str | None:
    """The worst state among the clocks `rows` (None without clocks)."""
    states = [clock_state(row, policy=policy, now=now) for row in rows]
    return min(states, key=_SEVERITY.index) if states else None


def refresh_status(case: Case, rows: Any, *, policy: CasePolicy, now: datetime) -> None:
    """Keep `case.sla_status` (the worst clock state) current for list filters."""
    worst = worst_state(rows, policy=policy, now=now)
    if worst is not None:
        case.sla_status = worst


def view(row: SlaClock, *, policy: CasePolicy, now: datetime) -> dict[str, Any]:
    """One clock as the API shows it."""
    clock = clock_of(row)
    elapsed = sla.elapsed_seconds(clock, now=now, calendar=policy.calendar)
    return {
        "target": row.target,
        "state": clock_state(row, policy=policy, now=now),
        "target_seconds": clock.target_seconds,
        "elapsed_seconds": round(elapsed, 3),
        "remaining_seconds": round(clock.target_seconds - elapsed, 3),
        "due_at": row.due_at,
        "met_at": row.met_at,
        "paused": clock.met_at is None and clock.running_since is None,
    }
