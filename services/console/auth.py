"""Who is asking: the session behind the request's cookie, and the dependencies screens use to require a user, a
role, or the services as that user (`CurrentUser`, `require_roles`, `UserApi`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from services.console.services_client import Api
from services.console.sessions import COOKIE, SignedIn
from shared.tokens import Role

if TYPE_CHECKING:
    from services.console.state import ConsoleState

_LOADED = "console_signed_in"
MAX_COOKIE = 100


class NotSignedIn(Exception):
    """The page needs a signed-in user."""


class Forbidden(Exception):
    """The signed-in user's role may not open this page."""


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


async def signed_in(request: Request) -> SignedIn | None:
    """The request's signed-in user (looked up once per request), or None."""
    if _LOADED in request.scope.setdefault("state", {}):
        loaded: SignedIn | None = request.scope["state"][_LOADED]
        return loaded
    raw = request.cookies.get(COOKIE, "")
    found = await console_state(request).sessions.load(raw) if 0 < len(raw) <= MAX_COOKIE else None
    request.scope["state"][_LOADED] = found
    return found


def forget_signed_in(request: Request) -> None:
    """After signing out within a request: the rest of it (the page it renders) has nobody signed in."""
    request.scope.setdefault("state", {})[_LOADED] = None


def remember_signed_in(request: Request, found: SignedIn) -> None:
    """After a session was started within a request: the rest of it (the page it renders) belongs to it."""
    request.scope.setdefault("state", {})[_LOADED] = found


async def require_user(request: Request) -> SignedIn:
    found = await signed_in(request)
    if found is None:
        raise NotSignedIn()
    return found


CurrentUser = Annotated[SignedIn, Depends(require_user)]


def require_roles(*roles: Role) -> Any:
    """A dependency: the signed-in user, or 403 when their role is not one of `roles`."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> SignedIn:
        if Role(user.user.role) not in allowed:
            raise Forbidden()
        return user

    return Depends(check)


async def user_api(request: Request, user: CurrentUser) -> Api:
    """The services as the signed-in user (their token is obtained, or renewed, when needed)."""
    state = console_state(request)

    async def renewed() -> str:
        state.tokens.forget(user.session_hash)
        return await state.tokens.token_for(user)

    return Api(state.client, await state.tokens.token_for(user), renew=renewed)


UserApi = Annotated[Api, Depends(user_api)]
