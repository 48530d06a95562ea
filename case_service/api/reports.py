"""Reports for the supervisor's charts, and the CSV of the cases behind them (supervisors and admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from case_service import reports
from case_service.api.deps import STAFF_ONLY, Policy, Session, Staff
from case_service.api.stats import checked_period
from case_service.domain import CaseStatus
from case_service.schemas.reports import Report
from shared.events import Channel
from shared.problems import PROBLEM_JSON
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["reports"], responses=STAFF_ONLY)

_BOUND = "An ISO date (the whole day) or datetime (UTC unless it has an offset)."
BAD_PERIOD: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A bound is not an ISO date or datetime, or `since` is after `until`.",
        "content": {PROBLEM_JSON: {}},
    }
}
Since = Annotated[str | None, Query(max_length=40, description=f"{_BOUND} Default: 30 days before `until`.")]
Until = Annotated[str | None, Query(max_length=40, description=f"{_BOUND} Default: now.")]


def _period(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    return checked_period(since, until, now=datetime.now(UTC), field="query.since/until")


@router.get("/reports", responses=BAD_PERIOD)
async def get_report(session: Session, policy: Policy, _: Staff, since: Since = None, until: Until = None) -> Report:
    """Volume by day, channel and category; first-response and resolution percentiles; SLA attainment; reopen rate;
    CSAT average and response rate; rising categories. Cases count by when they opened in [since, until)."""
    start, end = _period(since, until)
    figures = await reports.report(session, since=start, until=end, policy=policy, now=datetime.now(UTC))
    return Report.model_validate(figures)


@router.get(
    "/reports/cases.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per case."}, **BAD_PERIOD},
)
async def cases_csv(
    request: Request,
    _: Staff,
    since: Since = None,
    until: Until = None,
    channel: Channel | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    status: CaseStatus | None = None,
) -> StreamingResponse:
    """The cases opened in [since, until) (and of the channel, category, status given), oldest first: case_id,
    reference, opened_at, channel, category, priority, status, assignee, first_response_at, resolved_at. A value that
    starts with = + - @ (or a tab or carriage return) is prefixed with ' so no spreadsheet runs it as a formula."""
    start, end = _period(since, until)
    filters = reports.CsvFilters(
        since=start,
        until=end,
        channel=channel.value if channel else None,
        category=category,
        status=status.value if status else None,
    )
    sessions = cast(ServiceRuntime, request.app.state.runtime).sessions
    return StreamingResponse(
        reports.cases_csv(sessions, filters=filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"', "Cache-Control": "no-store"},
    )
