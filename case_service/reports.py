"""Reports over a period for the supervisor's charts (the figures of `case_service.stats`, shaped for them) and the
CSV export of the cases behind a figure, streamed page by page so its size does not depend on the period's."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from case_service import stats
from case_service.models import Case
from case_service.policy import CasePolicy
from shared.db import as_utc

CSV_COLUMNS = (
    "case_id",
    "reference",
    "opened_at",
    "channel",
    "category",
    "priority",
    "status",
    "assignee",
    "first_response_at",
    "resolved_at",
)
PAGE = 500
# A cell a spreadsheet would read as a formula (or a tab or carriage return that hides one) is made plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def report(
    session: AsyncSession, *, since: datetime, until: datetime, policy: CasePolicy, now: datetime
) -> dict[str, Any]:
    """Every figure of [since, until), as `schemas.reports.Report` shows it."""
    figures = await stats.figures(session, since=since, until=until, policy=policy, now=now)
    volume = figures["volume"]
    return {
        "since": since,
        "until": until,
        "total": volume["total"],
        "volume_by_day": [{"day": item["date"], "count": item["count"]} for item in volume["by_day"]],
        "volume_by_channel": volume["by_channel"],
        "volume_by_category": volume["by_category"],
        "first_response_seconds": _p50_p90(figures["first_response_seconds"]),
        "resolution_seconds": _p50_p90(figures["resolution_seconds"]),
        "sla_attainment": attainment(figures["sla_attainment"]),
        "reopen_rate": figures["reopen_rate"]["rate"],
        "csat": {"average": figures["csat"]["average"], "response_rate": figures["csat"]["response_rate"]},
        "rising": figures["rising_categories"],
    }


def attainment(per_target: dict[str, dict[str, Any]]) -> float | None:
    """The share of SLA targets met in time among those decided, both targets together."""
    measured = sum(int(target["measured"]) for target in per_target.values())
    met = sum(int(target["met"]) for target in per_target.values())
    return stats.rate(met, measured)


def _p50_p90(durations: dict[str, Any]) -> dict[str, Any]:
    return {"p50": durations["p50"], "p90": durations["p90"]}


@dataclass(frozen=True)
class CsvFilters:
    since: datetime
    until: datetime
    channel: str | None = None
    category: str | None = None
    status: str | None = None


async def cases_csv(sessions: async_sessionmaker[AsyncSession], *, filters: CsvFilters) -> AsyncIterator[str]:
    """The header, then one row per case opened in the period (oldest first), a page per short read."""
    yield _line(CSV_COLUMNS)
    after: tuple[datetime, str] | None = None
    while True:
        async with sessions() as session:
            page = (await session.execute(_page_query(filters, after))).all()
        if page:
            yield "".join(_line([cell(value) for value in row]) for row in page)
        if len(page) < PAGE:
            return
        after = (page[-1].opened_at, page[-1].id)


def _page_query(filters: CsvFilters, after: tuple[datetime, str] | None) -> Any:
    query = (
        select(
            Case.id,
            Case.reference,
            Case.opened_at,
            Case.channel,
            Case.category,
            Case.priority,
            Case.status,
            Case.assignee_agent_id,
            Case.first_response_at,
            Case.resolved_at,
        )
        .where(Case.opened_at >= filters.since, Case.opened_at < filters.until)
        .order_by(Case.opened_at, Case.id)
        .limit(PAGE)
    )
    for column, value in (
        (Case.channel, filters.channel),
        (Case.category, filters.category),
        (Case.status, filters.status),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        opened_at, case_id = after
        query = query.where(or_(Case.opened_at > opened_at, and_(Case.opened_at == opened_at, Case.id > case_id)))
    return query


def cell(value: object) -> str:
    """A value as CSV text: times in ISO 8601 UTC, nothing as empty, and no text a spreadsheet would run."""
    if value is None:
        return ""
    text = as_utc(value).isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _line(values: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()
