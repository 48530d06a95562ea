"""Rendering the public pages: their own layout (no staff menu, no session looked up, no cookie but the language
chosen), the visitor's language from the switch or the browser, and the headers every such page carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.domain import LANGUAGES
from services.console.i18n import LANGUAGE_COOKIE, Translator, choose_language
from services.console.pages import Pages, template_environment

ONE_YEAR = 365 * 24 * 3600
# Never cached (they carry form tokens and case contents); a status or survey link is not for search engines.
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


class PublicPages:
    def __init__(self, pages: Pages, *, default_language: str) -> None:
        self._env = template_environment()
        self._pages = pages
        self._default_language = default_language

    def language(self, request: Request) -> str:
        return choose_language(
            user=None,
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("accept-language", ""),
            default=self._default_language,
        )

    def translator(self, request: Request) -> Translator:
        return Translator(self.language(request))

    def language_switch(self, request: Request) -> Response | None:
        """For `?lang=vi|en`: remember the choice, then the same page without it; None for any other request."""
        chosen = request.query_params.get("lang", "")
        if chosen not in LANGUAGES:
            return None
        rest = urlencode([(name, value) for name, value in request.query_params.multi_items() if name != "lang"])
        response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303, headers=HEADERS)
        secure = request.url.scheme == "https"
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=ONE_YEAR, samesite="lax", secure=secure, httponly=True)
        return response

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
        refresh_seconds: int | None = None,
    ) -> HTMLResponse:
        """`public/<template>` in the visitor's language; `refresh_seconds` reloads the page (no script needed)."""
        language = self.language(request)
        values = {
            "t": Translator(language),
            "lang": language,
            "path": request.url.path,
            "static": self._pages.static,
            "refresh_seconds": refresh_seconds,
            "notice": None,
            "errors": [],
            **(context or {}),
        }
        body = self._env.get_template(f"public/{template}").render(values)
        return HTMLResponse(body, status_code=status, headers=HEADERS)
