"""Rendering a page: Jinja2 templates (autoescaped), with what every page needs (user, language, menu, CSRF token)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.console import auth, csrf
from services.console.i18n import LANGUAGE_COOKIE, Translator, choose_language
from services.console.nav import NavItem, menu
from shared.tokens import Role

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def template_environment() -> Environment:
    """The console's templates, autoescaped; a name a template uses but is not given is an error, not a blank."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Pages:
    def __init__(self, *, nav: list[NavItem], default_language: str) -> None:
        self._env = template_environment()
        self._nav = nav
        self._default_language = default_language
        # A fingerprint in each asset's URL: a changed file is fetched again, an unchanged one comes from the cache.
        self._versions = {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:10] for path in STATIC_DIR.iterdir()
        }

    def static(self, name: str) -> str:
        return f"/static/{name}?v={self._versions.get(name, '0')}"

    def language(self, request: Request, user_language: str | None = None) -> str:
        return choose_language(
            user=user_language,
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("accept-language", ""),
            default=self._default_language,
        )

    async def render(
        self, request: Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
    ) -> HTMLResponse:
        signed_in = await auth.signed_in(request)
        user = signed_in.user if signed_in is not None else None
        language = self.language(request, user.language if user is not None else None)
        login_token = None
        if signed_in is not None:
            token = signed_in.csrf_token
        else:
            login_token = csrf.login_token(request)
            token = login_token.value
        values = {
            "t": Translator(language),
            "lang": language,
            "user": user,
            "csrf_token": token,
            "nav": menu(self._nav, role=Role(user.role), path=request.url.path) if user is not None else [],
            "path": request.url.path,
            "static": self.static,
            "notice": None,
            "errors": [],
            **(context or {}),
        }
        body = self._env.get_template(template).render(values)
        response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
        if login_token is not None and login_token.is_new:
            csrf.set_login_cookie(response, login_token.value, secure=request.url.scheme == "https")
        return response
