"""Users (admins only): `GET /users`, `GET /users/new`, `POST /users`, `POST /users/{id}/disable|enable|reset`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.console import accounts, repository
from services.console.auth import CurrentUser, console_state, require_roles
from services.console.domain import LANGUAGES, NewUser
from services.console.nav import ADMINS, NavItem
from shared.tokens import Role

router = APIRouter(prefix="/users", dependencies=[require_roles(Role.ADMIN)])
NAV = NavItem(label="nav.users", path="/users", roles=ADMINS, order=90)
ROLES = [role.value for role in Role]


@router.get("", include_in_schema=False)
async def list_page(request: Request) -> Response:
    return await _list(request)


@router.get("/new", include_in_schema=False)
async def new_page(request: Request) -> Response:
    # The agents screen links here to give an agent a console user: its id, name and team come filled in.
    given = {name: request.query_params.get(name, "")[:200] for name in ("agent_id", "display_name", "team")}
    values = {"role": Role.AGENT.value, "language": "vi", **{name: value for name, value in given.items() if value}}
    return await _form(request, values=values)


@router.post("", include_in_schema=False)
async def create(
    request: Request,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    agent_id: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "username": username.strip(),
        "display_name": display_name.strip(),
        "role": role,
        "language": language,
        "team": team.strip(),
        "agent_id": agent_id.strip(),
    }
    if role not in ROLES:
        return await _form(request, values=values, errors=["user.role_invalid"], status=400)
    new = NewUser(
        username=values["username"],
        display_name=values["display_name"],
        role=Role(role),
        language=language,
        team=values["team"] or None,
        agent_id=values["agent_id"] or None,
    )
    try:
        created = await accounts.create_user(console_state(request).db, new)
    except accounts.AccountRefused as refused:
        return await _form(request, values=values, errors=list(refused.keys), status=400)
    context = {"shown": created.user, "password": created.password, "notice": "users.created"}
    return await console_state(request).pages.render(request, "users_password.html", context, status=201)


@router.post("/{user_id}/disable", include_in_schema=False)
async def disable(request: Request, user_id: int, admin: CurrentUser) -> Response:
    return await _set_disabled(request, user_id, admin, disabled=True)


@router.post("/{user_id}/enable", include_in_schema=False)
async def enable(request: Request, user_id: int, admin: CurrentUser) -> Response:
    return await _set_disabled(request, user_id, admin, disabled=False)


@router.post("/{user_id}/reset-password", include_in_schema=False)
async def reset_password(request: Request, user_id: int) -> Response:
    state = console_state(request)
    try:
        reset = await accounts.reset_password(state.db, user_id=user_id)
    except accounts.AccountRefused as refused:
        return await _list(request, errors=list(refused.keys), status=404)
    state.tokens.forget_all(reset.ended_sessions)
    context = {"shown": reset.user, "password": reset.password, "notice": "users.reset_done"}
    return await state.pages.render(request, "users_password.html", context)


async def _set_disabled(request: Request, user_id: int, admin: CurrentUser, *, disabled: bool) -> Response:
    state = console_state(request)
    try:
        user, ended = await accounts.set_disabled(state.db, user_id=user_id, disabled=disabled, by=admin.user)
    except accounts.AccountRefused as refused:
        status = 404 if "user.not_found" in refused.keys else 409
        return await _list(request, errors=list(refused.keys), status=status)
    state.tokens.forget_all(ended)
    notice = ("users.disabled_done" if disabled else "users.enabled_done", user.username)
    return await _list(request, notice=notice)


async def _list(
    request: Request, *, notice: tuple[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> Response:
    state = console_state(request)
    async with state.db() as session:
        users = await repository.list_users(session)
    context = {"users": users, "notice": notice, "errors": errors or []}
    return await state.pages.render(request, "users.html", context, status=status)


async def _form(
    request: Request, *, values: dict[str, Any], errors: list[str] | None = None, status: int = 200
) -> Response:
    context = {"values": values, "errors": errors or [], "roles": ROLES, "languages": LANGUAGES}
    return await console_state(request).pages.render(request, "users_new.html", context, status=status)
