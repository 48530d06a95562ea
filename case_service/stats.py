"""The service desk's figures over a period: volume, response and resolution times, SLA attainment, reopen rate, CSAT,
and the categories rising fastest (recurring problems).

Cases count by when they opened (`from` <= opened_at < `to`), whatever happened to them since; surveys by when they
were sent. Times are wall-clock seconds from the case opening (what the customer waited), where SLA attainment uses the
SLA clocks (business time, pauses excluded).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import clocks
from case_service.models import Case, SlaClock, Survey
from case_service.policy import CasePolicy
from shared.db import as_utc
from shared.events import SlaTarget

DEFAULT_PERIOD = timedelta(days=30)
WEEK = timedelta(days=7)
PERCENTILES = (50, 90, 95)


# Pure parts -----------------------------------------------------------------------------------------------------------


class BadPeriod(ValueError):
    """A bound is not an ISO date or datetime, or the period ends before it starts."""


def parse_bound(value: str, *, end: bool) -> datetime:
    """An ISO date or datetime as an aware UTC instant. A date means its whole day: as `from` its start, as `to` the
    start of the next day (the period includes the day); a datetime without an offset is UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=UTC)
        return as_utc(datetime.fromisoformat(text))
    except ValueError as error:
        raise BadPeriod(f"{value!r} is not an ISO date (2026-03-01) or datetime (2026-03-01T08:00:00Z)") from error


def period(start: str | None, end: str | None, *, now: datetime) -> tuple[datetime, datetime]:
    """[from, to): `to` defaults to now, `from` to 30 days before `to`; raises BadPeriod."""
    until = parse_bound(end, end=True) if end else as_utc(now)
    since = parse_bound(start, end=False) if start else until - DEFAULT_PERIOD
    if since > until:
        raise BadPeriod(f"`from` ({since.isoformat()}) is after `to` ({until.isoformat()})")
    return since, until


def percentiles(values: Sequence[float]) -> dict[str, Any]:
    """count, p50, p90, p95 by the nearest-rank method (each one a value that occurred); None when there are none."""
    ordered = sorted(values)
    figures: dict[str, Any] = {"count": len(ordered)}
    for p in PERCENTILES:
        figures[f"p{p}"] = ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1] if ordered else None
    return figures


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Rising:
    category: str
    this_week: int
    last_week: int
    change: float


def rising(this_week: Mapping[str, int], last_week: Mapping[str, int]) -> list[Rising]:
    """Categories with more cases this week than last, fastest first. `change` is the growth over last week
    ((this - last) / last), counting an empty last week as one case so a new problem ranks by its size."""
    found = []
    for category, count in this_week.items():
        before = last_week.get(category, 0)
        if count > before:
            found.append(Rising(category, count, before, round((count - before) / max(before, 1), 4)))
    return sorted(found, key=lambda item: (-item.change, -item.this_week, item.category))


def days(since: datetime, until: datetime, counts: Mapping[date, int]) -> list[dict[str, Any]]:
    """Every UTC day of [since, until) with its count, zeros included, so a chart has no gaps."""
    result: list[dict[str, Any]] = []
    day, last = since.date(), (until - timedelta(microseconds=1)).date()
    while day <= last and since < until:
        result.append({"date": day, "count": counts.get(day, 0)})
        day += timedelta(days=1)
    return result


# Figures from the database --------------------------------------------------------------------------------------------


async def figures(
    session: AsyncSession, *, since: datetime, until: datetime, policy: CasePolicy, now: datetime
) -> dict[str, Any]:
    """Every figure of the period, as `schemas.stats.Stats` shows it."""
    in_period = (Case.opened_at >= since, Case.opened_at < until)
    return {
        "from": since,
        "to": until,
        "volume": await _volume(session, since=since, until=until),
        "first_response_seconds": percentiles(await _durations(session, Case.first_response_at, in_period=in_period)),
        "resolution_seconds": percentiles(await _durations(session, Case.resolved_at, in_period=in_period)),
        "sla_attainment": await _sla(session, in_period=in_period, policy=policy, now=now),
        "reopen_rate": await _reopens(session, in_period=in_period),
        "csat": await _csat(session, since=since, until=until),
        "rising_categories": [
            asdict(item)
            for item in rising(
                await _by_category(session, since=until - WEEK, until=until),
                await _by_category(session, since=until - 2 * WEEK, until=until - WEEK),
            )
        ],
    }


async def _volume(session: AsyncSession, *, since: datetime, until: datetime) -> dict[str, Any]:
    where = (Case.opened_at >= since, Case.opened_at < until)
    rows = await session.execute(select(Case.channel, func.count()).where(*where).group_by(Case.channel))
    by_channel = {channel: int(count) for channel, count in rows}
    by_category = await _by_category(session, since=since, until=until)
    # A day is a UTC date; grouping by date in SQL differs per backend, so the opening times are bucketed here.
    per_day: dict[date, int] = {}
    for (opened_at,) in await session.execute(select(Case.opened_at).where(*where)):
        day = as_utc(opened_at).date()
        per_day[day] = per_day.get(day, 0) + 1
    return {
        "total": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_category": by_category,
        "by_day": days(since, until, per_day),
    }


async def _by_category(session: AsyncSession, *, since: datetime, until: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(Case.category, func.count())
        .where(Case.opened_at >= since, Case.opened_at < until)
        .group_by(Case.category)
    )
    return {category: int(count) for category, count in rows}


async def _durations(session: AsyncSession, column: Any, *, in_period: tuple[Any, ...]) -> list[float]:
    rows = await session.execute(select(Case.opened_at, column).where(*in_period, column.is_not(None)))
    return [(as_utc(done) - as_utc(opened)).total_seconds() for opened, done in rows]


async def _sla(
    session: AsyncSession, *, in_period: tuple[Any, ...], policy: CasePolicy, now: datetime
) -> dict[str, Any]:
    """Per target: clocks already decided (met, or breached whether met late or still running past due) and how
    many were met in time. Clocks still running within their target are not measured yet."""
    rows = await session.execute(select(SlaClock).join(Case, Case.id == SlaClock.case_id).where(*in_period))
    tally = {target: [0, 0] for target in clocks.TARGETS}
    for row in rows.scalars():
        state = clocks.clock_state(row, policy=policy, now=now)
        if state in ("met", "breached"):
            counts = tally[SlaTarget(row.target)]
            counts[0] += 1
            counts[1] += state == "met"
    return {
        target.value: {"measured": measured, "met": met, "rate": rate(met, measured)}
        for target, (measured, met) in tally.items()
    }


async def _reopens(session: AsyncSession, *, in_period: tuple[Any, ...]) -> dict[str, Any]:
    """Of the cases ever resolved (resolved now, or reopened since), how many came back."""
    ever_resolved = (Case.resolved_at.is_not(None)) | (Case.reopen_count > 0)
    resolved, reopened = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((Case.reopen_count > 0, 1), else_=0)), 0)).where(
                *in_period, ever_resolved
            )
        )
    ).one()
    return {"resolved": int(resolved), "reopened": int(reopened), "rate": rate(int(reopened), int(resolved))}


async def _csat(session: AsyncSession, *, since: datetime, until: datetime) -> dict[str, Any]:
    sent, answered, average = (
        await session.execute(
            select(func.count(), func.count(Survey.answered_at), func.avg(Survey.score)).where(
                Survey.sent_at >= since, Survey.sent_at < until
            )
        )
    ).one()
    return {
        "surveys_sent": int(sent),
        "answered": int(answered),
        "response_rate": rate(int(answered), int(sent)),
        "average": round(float(average), 2) if average is not None else None,
    }
