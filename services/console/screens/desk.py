"""The agent's desk (agents only): `GET /desk` with the offers waiting for them, their cases (filters, search,
unread marker) and the follow-ups due; the parts the page refreshes live, `GET /desk/parts/offers|cases|follow-ups`;
and `POST /desk/follow-ups/{id}/done`.

Offers are answered in screens/desk_offers.py, presence in screens/desk_presence.py, the live streams in
screens/desk_live.py and a case in screens/case.py.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console.auth import CurrentUser, UserApi, console_state, require_roles, user_api
from services.console.errors import describe_service_error
from services.console.i18n import Translator
from services.console.nav import AGENTS, NavItem
from services.console.screens import desk_data
from services.console.screens.desk_views import (
    CHANNELS,
    DECLINE_REASONS,
    SLA_STATES,
    STATUSES,
    CaseFilters,
    Labels,
)
from services.console.services_client import Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/desk", dependencies=[require_roles(Role.AGENT)])
NAV = NavItem(label="nav.desk", path="/desk", roles=AGENTS, order=10)

# What a `?done=` after an action says (a fixed list: the query never names a catalogue key itself).
NOTICES = {
    "declined": "desk.declined",
    "offer_gone": "desk.offer_gone",
    "follow_up": "desk.follow_up_recorded",
}
Text = Annotated[str, Query(max_length=500)]


def _case_filters(
    status: Text = "", sla: Text = "", channel: Text = "", q: Text = "", cursor: Text = ""
) -> CaseFilters:
    """The filters of "my cases" from the query string (the desk page and its cases part read the same ones)."""
    return CaseFilters.of(status=status, sla=sla, channel=channel, q=q, cursor=cursor)


Filters = Annotated[CaseFilters, Depends(_case_filters)]


@router.get("", include_in_schema=False)
async def desk_page(request: Request, user: CurrentUser, filters: Filters, done: Text = "") -> Response:
    t = translator(request, user)
    try:
        api = await user_api(request, user)
    except ServiceError as error:  # no token for the services: the page says so in each part
        offers = cases = due = desk_data.Section(error=describe_service_error(error, t))
    else:
        offers, cases, due = await asyncio.gather(
            desk_data.section(t, desk_data.offers(api, agent_id(user))),
            desk_data.section(
                t, desk_data.my_cases(api, console_state(request), user_id=user.user.id, filters=filters)
            ),
            desk_data.section(t, desk_data.follow_ups(api)),
        )
    context = {
        **shared_context(t),
        "offers": offers,
        "cases": cases,
        "follow_ups": due,
        "filters": filters,
        "notice": NOTICES.get(done),
    }
    return await console_state(request).pages.render(request, "desk.html", context)


@router.get("/parts/offers", include_in_schema=False)
async def offers_part(request: Request, user: CurrentUser, api: UserApi) -> Response:
    t = translator(request, user)
    offers = await desk_data.section(t, desk_data.offers(api, agent_id(user)))
    context = {**shared_context(t), "offers": offers}
    return await console_state(request).pages.render(request, "partials/desk_offers.html", context)


@router.get("/parts/cases", include_in_schema=False)
async def cases_part(request: Request, user: CurrentUser, api: UserApi, filters: Filters) -> Response:
    t = translator(request, user)
    state = console_state(request)
    cases = await desk_data.section(t, desk_data.my_cases(api, state, user_id=user.user.id, filters=filters))
    context = {**shared_context(t), "cases": cases, "filters": filters}
    return await state.pages.render(request, "partials/desk_cases.html", context)


@router.get("/parts/follow-ups", include_in_schema=False)
async def follow_ups_part(request: Request, user: CurrentUser, api: UserApi) -> Response:
    t = translator(request, user)
    due = await desk_data.section(t, desk_data.follow_ups(api))
    context = {**shared_context(t), "follow_ups": due}
    return await console_state(request).pages.render(request, "partials/desk_follow_ups.html", context)


@router.post("/follow-ups/{follow_up_id}/done", include_in_schema=False)
async def follow_up_done(follow_up_id: str, api: UserApi, note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    body = {"note": note.strip() or None}
    await api.post(Service.CASES, api_path("/v1/follow-ups/{follow_up_id}/done", follow_up_id=follow_up_id), json=body)
    return RedirectResponse("/desk?done=follow_up", status_code=303)


def agent_id(user: CurrentUser) -> str:
    return user.user.agent_id or ""


def translator(request: Request, user: CurrentUser) -> Translator:
    return Translator(console_state(request).pages.language(request, user.user.language))


def shared_context(t: Translator) -> dict[str, Any]:
    """What the desk's templates use besides their data: labels and the choices of the forms."""
    return {
        "labels": Labels(t),
        "statuses": STATUSES,
        "sla_states": SLA_STATES,
        "channels": CHANNELS,
        "decline_reasons": DECLINE_REASONS,
    }
