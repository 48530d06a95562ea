"""The supervisor's floor (supervisors and admins), live:

- `GET /floor`: queue per skill and priority with the oldest waiting case and its age, agents by presence with their
  load per channel and occupancy, cases at risk of or past their SLA, offers declined or expired lately, and the open
  recurring-problem alerts with their customers; every number links to the cases behind it.
- `GET /floor/panels?alerts=<version>`: the same parts as an HTML fragment, which static/floor.js fetches every
  2 seconds and puts in place of the parts that changed (the alerts' customers are read again only when the alerts
  changed: the page sends the version it shows).
- `GET /floor/cases?queue=<skill>&priority=<p>` (or `agent=`, `offers=declined|expired`, `sla=at_risk|breached`,
  `alert=<id>`, `all=waiting|offered|assigned`): the cases behind a number.
- `GET /floor/alerts/{alert_id}`: an alert with all its customers and cases;
  `POST /floor/alerts/{alert_id}/acknowledge`: a supervisor acknowledges it (it leaves the floor).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console import errors
from services.console.auth import CurrentUser, UserApi, console_state, require_roles, user_api
from services.console.i18n import Translator
from services.console.nav import STAFF, NavItem
from services.console.screens import floor_data
from services.console.screens.formatting import Formatting, formatting
from services.console.services_client import Service, ServiceError, api_path
from services.console.sessions import SignedIn
from shared.tokens import Role

router = APIRouter(prefix="/floor", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.floor", path="/floor", roles=STAFF, order=20)
POLL_MS = 2000

Version = Annotated[str, Query(max_length=64)]
AlertId = Annotated[str, Path(max_length=36)]


@router.get("", include_in_schema=False)
async def floor_page(request: Request, user: CurrentUser, acknowledged: Version = "") -> Response:
    fmt = formatting(request, user)
    floor = await _load(request, user)
    context = {**_floor_context(floor, fmt), "poll_ms": POLL_MS, "acknowledged": bool(acknowledged)}
    return await console_state(request).pages.render(request, "floor.html", context)


@router.get("/panels", include_in_schema=False)
async def floor_panels(request: Request, user: CurrentUser, alerts: Version = "") -> Response:
    fmt = formatting(request, user)
    floor = await _load(request, user, known_alerts=alerts)
    return await console_state(request).pages.render(request, "floor_panels.html", _floor_context(floor, fmt))


async def _load(request: Request, user: SignedIn, *, known_alerts: str = "") -> floor_data.Floor:
    """The floor; when the services cannot be called at all (no token for the user), a floor saying so."""
    try:
        api = await user_api(request, user)
    except ServiceError as error:
        return floor_data.unreachable(error)
    return await floor_data.load_floor(api, known_alerts=known_alerts)


@router.get("/cases", include_in_schema=False)
async def figure_cases(request: Request, user: CurrentUser, api: UserApi) -> Response:
    fmt = formatting(request, user)
    figure = floor_data.figure_from(dict(request.query_params))
    if figure is None:
        message = fmt.t("floor.cases_unknown_figure")
        return await errors.error_response(request, status=400, message=message, kind="unknown-figure")
    found = await floor_data.cases_behind(api, figure)
    context = {"fmt": fmt, "figure": figure, "found": found, "heading": _figure_heading(figure, fmt)}
    return await console_state(request).pages.render(request, "floor_cases.html", context)


@router.get("/alerts/{alert_id}", include_in_schema=False)
async def alert_page(request: Request, alert_id: AlertId, user: CurrentUser, api: UserApi) -> Response:
    fmt = formatting(request, user)
    alerts = await api.get(Service.CASES, "/v1/alerts", params={"status": "all", "limit": 500})
    alert = next((a for a in alerts.get("items") or [] if a.get("alert_id") == alert_id), None)
    if alert is None:
        message = fmt.t("floor.alert_not_found")
        return await errors.error_response(request, status=404, message=message, kind="alert-not-found")
    names = await floor_data.customer_names(api, list(alert.get("customer_ids") or []))
    cases = await floor_data.case_rows(api, list(alert.get("case_ids") or []))
    context = {"fmt": fmt, "alert": alert, "names": names, "found": cases, "now": datetime.now(UTC)}
    return await console_state(request).pages.render(request, "floor_alert.html", context)


@router.post("/alerts/{alert_id}/acknowledge", include_in_schema=False)
async def acknowledge(alert_id: AlertId, user: CurrentUser, api: UserApi) -> RedirectResponse:
    path = api_path("/v1/alerts/{id}/acknowledge", id=alert_id)
    await api.post(Service.CASES, path, json={"by": user.user.username})
    return RedirectResponse("/floor?acknowledged=1", status_code=303)


def _floor_context(floor: floor_data.Floor, fmt: Formatting) -> dict[str, Any]:
    snapshot = floor.snapshot.data or {}
    return {
        "fmt": fmt,
        "floor": floor,
        "now": datetime.now(UTC),
        "problems": {
            name: _problem(part.error, fmt.t) if part.error is not None else ""
            for name, part in (
                ("snapshot", floor.snapshot),
                ("at_risk", floor.at_risk),
                ("breached", floor.breached),
                ("alerts", floor.alerts),
            )
        },
        "queue": floor_data.queue_rows(snapshot),
        "agent_groups": floor_data.agents_by_presence(snapshot),
        "offers": floor_data.recent_offers(snapshot)[: floor_data.SHOWN_PER_LIST],
        "channel_loads": floor_data.channel_loads,
        "presences": floor_data.PRESENCES,
        "shown": floor_data.SHOWN_PER_LIST,
    }


def _problem(error: Any, t: Translator) -> str:
    return errors.describe_service_error(error, t)


def _figure_heading(figure: floor_data.Figure, fmt: Formatting) -> str:
    t = fmt.t
    if figure.kind == "queue":
        skill = fmt.label("category", figure.value)
        return t("floor.cases_queue", skill=skill, priority=fmt.label("priority", figure.priority))
    if figure.kind == "agent":
        return t("floor.cases_agent", agent=figure.value)
    if figure.kind == "offers":
        return t(f"floor.cases_offers_{figure.value}")
    if figure.kind == "sla":
        return t(f"floor.cases_sla_{figure.value}")
    if figure.kind == "alert":
        return t("floor.cases_alert")
    return t(f"floor.cases_all_{figure.value}")
