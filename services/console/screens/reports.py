"""Reports (supervisors and admins), over a chosen period:

- `GET /reports?since=YYYY-MM-DD&until=YYYY-MM-DD` (default: the last 30 days): volume by day, channel and
  category; first-response and resolution p50/p90; SLA attainment; reopen rate; CSAT average and response rate;
  rising categories; charts drawn as SVG by the template (screens/reports_charts.py).
- `GET /reports/cases.csv?since=&until=&channel=&category=&status=`: the cases behind the figures, streamed from
  the case service as it writes them (its cells already made safe for spreadsheets).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from services.console import errors
from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.nav import STAFF, NavItem
from services.console.screens import reports_charts as charts
from services.console.screens import service_reads
from services.console.screens.formatting import formatting
from services.console.services_client import Service
from shared.tokens import Role

router = APIRouter(prefix="/reports", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.reports", path="/reports", roles=STAFF, order=40)

DEFAULT_DAYS = 30
MAX_DAYS = 366
PRESETS = (7, 30, 90)
Bound = Annotated[str, Query(max_length=40)]
Filter = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # the last day counted (whole)

    def params(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def period_from(since: str, until: str, *, today: date) -> Period | str:
    """The period asked for (each bound an ISO date; by default the last 30 days up to today), or the catalogue key
    of what is wrong with it."""
    try:
        last = date.fromisoformat(until) if until else today
        first = date.fromisoformat(since) if since else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return "reports.bad_date"
    if first > last:
        return "reports.bad_order"
    if (last - first).days + 1 > MAX_DAYS:
        return "reports.too_long"
    return Period(first, last)


@router.get("", include_in_schema=False)
async def reports_page(request: Request, user: CurrentUser, since: Bound = "", until: Bound = "") -> Response:
    fmt = formatting(request, user)
    today = datetime.now(UTC).date()
    period = period_from(since, until, today=today)
    pages = console_state(request).pages
    presets = [(days, _preset(today, days)) for days in PRESETS]
    if isinstance(period, str):
        values = {"since": since, "until": until}
        context = {"fmt": fmt, "problem": period, "unread": "", "values": values, "presets": presets}
        return await pages.render(request, "reports.html", context, status=400)
    report, unread = await service_reads.read(
        request, user, fmt.t, lambda api: api.get(Service.CASES, "/v1/reports", params=period.params())
    )
    if report is None:
        context = {"fmt": fmt, "problem": "", "unread": unread, "values": period.params(), "presets": presets}
        return await pages.render(request, "reports.html", context)
    context = {
        "fmt": fmt,
        "problem": "",
        "unread": "",
        "values": period.params(),
        "period": period,
        "report": report,
        "presets": presets,
        **_charts(report),
    }
    return await pages.render(request, "reports.html", context)


@router.get("/cases.csv", include_in_schema=False)
async def cases_csv(
    request: Request,
    user: CurrentUser,
    api: UserApi,
    since: Bound = "",
    until: Bound = "",
    channel: Filter = "",
    category: Filter = "",
    status: Filter = "",
) -> Response:
    period = period_from(since, until, today=datetime.now(UTC).date())
    if isinstance(period, str):
        message = formatting(request, user).t(period)
        return await errors.error_response(request, status=400, message=message, kind="bad-period")
    filters = {"channel": channel, "category": category, "status": status}
    params = {**period.params(), **{name: value for name, value in filters.items() if value}}
    opened = AsyncExitStack()
    chunks = await opened.enter_async_context(
        api.stream(Service.CASES, "/v1/reports/cases.csv", accept="text/csv", params=params)
    )

    async def body() -> Any:
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            await opened.aclose()

    name = f"cases-{period.since.isoformat()}-{period.until.isoformat()}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)


def _preset(today: date, days: int) -> dict[str, str]:
    return Period(today - timedelta(days=days - 1), today).params()


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    days = [(str(p.get("day", ""))[5:], float(p.get("count") or 0)) for p in report.get("volume_by_day") or []]
    first = report.get("first_response_seconds") or {}
    resolution = report.get("resolution_seconds") or {}
    csat = report.get("csat") or {}
    average = csat.get("average")
    return {
        "by_day": charts.columns(days),
        "by_channel": charts.bars(report.get("volume_by_channel") or {}),
        "by_category": charts.bars(report.get("volume_by_category") or {}),
        "first_response": charts.pair(first.get("p50"), first.get("p90")),
        "resolution": charts.pair(resolution.get("p50"), resolution.get("p90")),
        "meters": {
            "sla": charts.meter(report.get("sla_attainment")),
            "reopen": charts.meter(report.get("reopen_rate")),
            "csat_average": charts.meter(average / 5 if isinstance(average, int | float) else None),
            "csat_rate": charts.meter(csat.get("response_rate")),
        },
    }
