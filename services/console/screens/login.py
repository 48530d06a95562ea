"""Signing in and out: `GET /login`, `POST /login` (form fields `username`, `password`), `POST /logout`."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console import auth
from services.console.auth import console_state, signed_in
from services.console.domain import LANGUAGES, landing_path
from services.console.i18n import LANGUAGE_COOKIE
from services.console.screens.forms import safe_next, set_session_cookie
from services.console.services_client import ServiceError
from services.console.sessions import COOKIE
from services.console.signin import Accepted, Throttled, sign_in
from shared.tokens import Role

log = logging.getLogger(__name__)

router = APIRouter()
NAV = None
# What a login form field may hold; longer input is cut, not processed (bounded work per attempt).
MAX_FIELD = 256
ONE_YEAR = 365 * 24 * 3600


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, lang: str = "", next: str = "", bye: str = "") -> Response:
    if lang in LANGUAGES:  # the language links of the login page: remembered, then the page again without them
        response: Response = RedirectResponse(_login_url(next), status_code=303)
        secure = request.url.scheme == "https"
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=ONE_YEAR, samesite="lax", secure=secure, httponly=True)
        return response
    found = await signed_in(request)
    if found is not None:
        return RedirectResponse(safe_next(next) or landing_path(Role(found.user.role)), status_code=303)
    notice = "login.signed_out" if bye else None
    return await _page(request, next=next, notice=notice)


@router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    state = console_state(request)
    address = request.client.host if request.client else "unknown"
    outcome = await sign_in(
        state.db,
        policy=state.throttle,
        username=username[:MAX_FIELD],
        password=password[: MAX_FIELD + 1],  # one over the limit: refused as too long, not cut to a match
        address=address,
    )
    if isinstance(outcome, Throttled):
        return await _page(request, next=next, error=("login.throttled", outcome.blocked.minutes), status=429)
    if not isinstance(outcome, Accepted):
        return await _page(request, next=next, error=("login.refused", 0), status=401)
    started = await state.sessions.start(user=outcome.user, replacing=request.cookies.get(COOKIE))
    try:
        await state.tokens.token_for(started.signed_in)  # early, so the first page does not wait for it
    except ServiceError as error:  # pages say so when they need it; signing in does not depend on it
        log.warning("no access token for a new session yet: %s %s", error.service.value, error.kind)
    response = RedirectResponse(safe_next(next) or landing_path(Role(outcome.user.role)), status_code=303)
    secure = request.url.scheme == "https"
    max_age = int(state.sessions.lifetime.total_seconds())
    set_session_cookie(response, started.raw_id, secure=secure, max_age=max_age)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, user: auth.CurrentUser) -> Response:
    state = console_state(request)
    await state.sessions.end(user.session_hash)
    state.tokens.forget(user.session_hash)
    auth.forget_signed_in(request)
    response = RedirectResponse("/login?bye=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def _page(
    request: Request, *, next: str, notice: str | None = None, error: tuple[str, int] | None = None, status: int = 200
) -> Response:
    pages = console_state(request).pages
    context = {"next": safe_next(next), "notice": notice, "error": error}
    return await pages.render(request, "login.html", context, status=status)


def _login_url(next: str) -> str:
    target = safe_next(next)
    return f"/login?next={quote(target, safe='')}" if target else "/login"
