"""Small helpers the screens share for forms and redirects."""

from __future__ import annotations

from fastapi import Response

from services.console.sessions import COOKIE

# A `next` target is a path on this console: never another site (`//host`, `/\host`), never the login page itself.
MAX_NEXT = 500


def safe_next(target: str) -> str:
    """`target` when it is a local path to return to after a form, else the empty string."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/") or target.startswith(("//", "/\\")):
        return ""
    if any(ord(ch) < 0x20 or ch == "\\" for ch in target) or target == "/login" or target.startswith("/login?"):
        return ""
    return target


def set_session_cookie(response: Response, value: str, *, secure: bool, max_age: int) -> None:
    response.set_cookie(COOKIE, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")
