"""The signed-in user's own account: `GET /account`, `POST /account/password`, `POST /account/language`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console import accounts, auth
from services.console.auth import CurrentUser, console_state
from services.console.domain import LANGUAGES
from services.console.screens.forms import safe_next, set_session_cookie
from services.console.sessions import COOKIE

router = APIRouter()
NAV = None  # reached from the user's name in the header


@router.get("/account", include_in_schema=False)
async def account_page(request: Request, user: CurrentUser) -> Response:
    return await _page(request)


@router.post("/account/password", include_in_schema=False)
async def change_password(
    request: Request,
    user: CurrentUser,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    state = console_state(request)
    try:
        ended = await accounts.change_password(state.db, user=user.user, current=current, new=new, confirm=confirm)
    except accounts.AccountRefused as refused:
        return await _page(request, errors=list(refused.keys), status=400)
    state.tokens.forget_all(ended)
    # Every session ended with the old password; this browser gets a new one (rotated, like at sign-in).
    started = await state.sessions.start(user=user.user, replacing=request.cookies.get(COOKIE))
    auth.remember_signed_in(request, started.signed_in)
    response = await _page(request, notice="password.changed")
    max_age = int(state.sessions.lifetime.total_seconds())
    set_session_cookie(response, started.raw_id, secure=request.url.scheme == "https", max_age=max_age)
    return response


@router.post("/account/language", include_in_schema=False)
async def change_language(
    request: Request, user: CurrentUser, language: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""
) -> Response:
    if language in LANGUAGES:
        await accounts.set_language(console_state(request).db, user_id=user.user.id, language=language)
    return RedirectResponse(safe_next(next) or "/", status_code=303)


async def _page(
    request: Request, *, errors: list[str] | None = None, notice: str | None = None, status: int = 200
) -> Response:
    context = {"errors": errors or [], "notice": notice}
    return await console_state(request).pages.render(request, "account.html", context, status=status)
