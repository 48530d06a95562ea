"""Agents as the router routes to them (supervisors and admins): skills and levels, languages, channels, capacity,
team, presence; and the console users who work as each agent.

- `GET /agents?presence=&team=&skill=`: every agent, with their console users.
- `GET /agents/new`, `POST /agents` (`agent_id` and the agent's fields): a new agent (refused when the id is taken).
- `GET /agents/{agent_id}`, `POST /agents/{agent_id}`: edit one (the router replaces the agent; its working hours,
  which this form does not show, are kept).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console import errors, repository
from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.nav import STAFF, NavItem
from services.console.screens import agents_form, service_reads
from services.console.screens.agents_form import AgentForm
from services.console.screens.formatting import formatting
from services.console.services_client import Api, Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/agents", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.agents", path="/agents", roles=STAFF, order=60)
AgentId = Annotated[str, Path(max_length=100)]
Filter = Annotated[str, Query(max_length=100)]


@router.get("", include_in_schema=False)
async def list_page(
    request: Request, user: CurrentUser, presence: Filter = "", team: Filter = "", skill: Filter = ""
) -> Response:
    fmt = formatting(request, user)
    params = {name: value for name, value in (("presence", presence), ("team", team), ("skill", skill)) if value}
    if presence and presence not in agents_form.PRESENCES:
        params.pop("presence")
    answer, unread = await service_reads.read(
        request, user, fmt.t, lambda api: api.get(Service.ROUTER, "/v1/agents", params=params)
    )
    agents = sorted((answer or {}).get("items") or [], key=lambda a: (str(a.get("name", "")).lower(), a.get("id")))
    context = {
        "fmt": fmt,
        "unread": unread,
        "agents": agents,
        "users_by_agent": await _users_by_agent(request),
        "filters": params,
        "saved": request.query_params.get("saved", ""),
        "is_admin": user.user.role == Role.ADMIN.value,
    }
    return await console_state(request).pages.render(request, "agents.html", context)


@router.get("/new", include_in_schema=False)
async def new_page(request: Request, user: CurrentUser) -> Response:
    form = AgentForm(skills=agents_form.skill_rows({}))
    return await _form_page(request, user, form, new=True)


@router.post("", include_in_schema=False)
async def create(request: Request, user: CurrentUser, api: UserApi) -> Response:
    form = await _read(request)
    form.skills = _with_empty_rows(form.skills)
    body, problems = agents_form.agent_body(form)
    if not agents_form.AGENT_ID.match(form.agent_id):
        problems.insert(0, "agents.id_invalid")
    elif not problems and await _existing(api, form.agent_id) is not None:
        problems.append("agents.id_taken")
    if problems:
        return await _form_page(request, user, form, new=True, problems=problems, status=400)
    await api.put(Service.ROUTER, api_path("/v1/agents/{id}", id=form.agent_id), json=body)
    return RedirectResponse(f"/agents?saved={formatting(request, user).part(form.agent_id)}", status_code=303)


@router.get("/{agent_id}", include_in_schema=False)
async def edit_page(request: Request, agent_id: AgentId, user: CurrentUser, api: UserApi) -> Response:
    agent = await _existing(api, agent_id)
    if agent is None:
        return await _not_found(request, user)
    return await _form_page(request, user, agents_form.form_for(agent), new=False, agent=agent)


@router.post("/{agent_id}", include_in_schema=False)
async def update(request: Request, agent_id: AgentId, user: CurrentUser, api: UserApi) -> Response:
    agent = await _existing(api, agent_id)
    if agent is None:
        return await _not_found(request, user)
    form = await _read(request)
    form.agent_id = agent_id
    body, problems = agents_form.agent_body(form, schedule=agent.get("schedule"))
    if problems:
        form.skills = _with_empty_rows(form.skills)
        return await _form_page(request, user, form, new=False, agent=agent, problems=problems, status=400)
    await api.put(Service.ROUTER, api_path("/v1/agents/{id}", id=agent_id), json=body)
    return RedirectResponse(f"/agents?saved={formatting(request, user).part(agent_id)}", status_code=303)


async def _read(request: Request) -> AgentForm:
    sent = await request.form()
    values = {name: value for name, value in sent.items() if isinstance(value, str)}
    lists = {
        name: [value for value in sent.getlist(name) if isinstance(value, str)]
        for name in ("channel", "skill_name", "skill_level")
    }
    return agents_form.read_form(values, lists)


def _with_empty_rows(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = [row for row in rows if row[0]]
    return kept + [("", "")] * agents_form.NEW_SKILL_ROWS


async def _existing(api: Api, agent_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await api.get(Service.ROUTER, api_path("/v1/agents/{id}", id=agent_id))
    except ServiceError as error:
        if error.not_found:
            return None
        raise
    return found


async def _users_by_agent(request: Request) -> dict[str, list[Any]]:
    """The console users (by router agent id) who work as each agent."""
    async with console_state(request).db() as session:
        users = await repository.list_users(session)
    linked: dict[str, list[Any]] = {}
    for person in users:
        if person.agent_id:
            linked.setdefault(person.agent_id, []).append(person)
    return linked


async def _form_page(
    request: Request,
    user: CurrentUser,
    form: AgentForm,
    *,
    new: bool,
    agent: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "fmt": formatting(request, user),
        "form": form,
        "new": new,
        "agent": agent,
        "errors": problems or [],
        "channels": agents_form.CHANNELS,
        "presences": agents_form.PRESENCES,
        "levels": agents_form.LEVELS,
        "linked": (await _users_by_agent(request)).get(form.agent_id, []) if not new else [],
        "is_admin": user.user.role == Role.ADMIN.value,
    }
    return await console_state(request).pages.render(request, "agent_form.html", context, status=status)


async def _not_found(request: Request, user: CurrentUser) -> Response:
    message = formatting(request, user).t("agents.not_found")
    return await errors.error_response(request, status=404, message=message, kind="agent-not-found")
