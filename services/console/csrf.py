"""CSRF protection: every POST, PUT, PATCH or DELETE carries the session's token (a `csrf_token` form field or an
`X-CSRF-Token` header), compared in constant time; anything else is refused with 403 before any route runs.

Before signing in there is no session: the login form carries a random token that must equal the one in a
pre-session cookie (double submit); any other unsafe request without a session is sent to sign in. Only urlencoded
forms are read here; other bodies must use the header.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.console import auth, errors
from services.console.public.paths import is_public

HEADER = "x-csrf-token"
FIELD = "csrf_token"
LOGIN_COOKIE = "console_login_csrf"
LOGIN_PATH = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class LoginToken:
    value: str
    is_new: bool


def login_token(request: Request) -> LoginToken:
    """The pre-session token of this browser, or a new one (then set it with `set_login_cookie`)."""
    existing = request.cookies.get(LOGIN_COOKIE, "")
    if 20 <= len(existing) <= 100:
        return LoginToken(existing, False)
    return LoginToken(secrets.token_urlsafe(32), True)


def set_login_cookie(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(LOGIN_COOKIE, value, httponly=True, samesite="lax", secure=secure, path=LOGIN_PATH)


class CsrfGuard:
    """ASGI middleware; sits inside the body size limit, so the body it reads is bounded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The customers' pages have no session: their forms carry signed form tokens, checked by their routes.
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or is_public(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.url.path != LOGIN_PATH and await auth.signed_in(request) is None:
            # Nothing to protect without a session: the sender is asked to sign in (and nothing runs).
            await errors.not_signed_in_response(request)(scope, receive, send)
            return
        body, receive = await _buffered(receive)
        if not await _token_matches(request, body):
            response = await errors.forbidden_response(request, "error.csrf", kind="csrf-refused")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _token_matches(request: Request, body: bytes) -> bool:
    presented = request.headers.get(HEADER) or _form_field(request, body)
    if request.url.path == LOGIN_PATH:
        expected = request.cookies.get(LOGIN_COOKIE, "")
    else:
        signed_in = await auth.signed_in(request)
        expected = signed_in.csrf_token if signed_in is not None else ""
    return bool(presented) and bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def _form_field(request: Request, body: bytes) -> str:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return ""
    try:
        values = parse_qs(body.decode("ascii"), max_num_fields=200).get(FIELD, [])
    except (UnicodeDecodeError, ValueError):
        return ""
    return values[0] if len(values) == 1 else ""


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a receive callable that hands it out again to the route."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
