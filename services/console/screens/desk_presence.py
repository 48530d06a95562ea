"""The agent's presence, shown in the header of every page (partials/presence.html, static/desk_presence.js):
`GET /desk/presence` and `PUT /desk/presence` ({"presence": ...}) as JSON for the page's script, and
`POST /desk/presence` (form fields `presence`, `next`) for a browser without script."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from services.console.auth import CurrentUser, UserApi, require_roles
from services.console.screens.desk import agent_id, translator
from services.console.screens.desk_views import PRESENCES, Labels
from services.console.screens.forms import safe_next
from services.console.services_client import Api, Service, api_path
from shared.problems import Problem
from shared.tokens import Role

router = APIRouter(prefix="/desk/presence", dependencies=[require_roles(Role.AGENT)])
NAV = None


class PresenceIn(BaseModel):
    presence: str


@router.get("", include_in_schema=False)
async def current(request: Request, user: CurrentUser, api: UserApi) -> dict[str, Any]:
    agent = await api.get(Service.ROUTER, _agent_path(user))
    return _answer(request, user, str((agent or {}).get("presence") or ""))


@router.put("", include_in_schema=False)
async def change(request: Request, body: PresenceIn, user: CurrentUser, api: UserApi) -> dict[str, Any]:
    if body.presence not in PRESENCES:
        raise Problem(422, "unknown-presence", "Unknown presence", f"Use one of: {', '.join(PRESENCES)}.")
    return _answer(request, user, await _put(api, user, body.presence))


@router.post("", include_in_schema=False)
async def change_by_form(
    user: CurrentUser,
    api: UserApi,
    presence: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if presence in PRESENCES:
        await _put(api, user, presence)
    return RedirectResponse(safe_next(next) or "/desk", status_code=303)


async def _put(api: Api, user: CurrentUser, presence: str) -> str:
    agent = await api.put(Service.ROUTER, _agent_path(user) + "/presence", json={"presence": presence})
    return str((agent or {}).get("presence") or presence)


def _agent_path(user: CurrentUser) -> str:
    return api_path("/v1/agents/{agent_id}", agent_id=agent_id(user))


def _answer(request: Request, user: CurrentUser, presence: str) -> dict[str, Any]:
    return {"presence": presence, "label": Labels(translator(request, user)).presence(presence)}
