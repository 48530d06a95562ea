"""What a person sees when something goes wrong: a page in their language for a browser, problem+json for a script
(fetch, EventSource), and never a bare 500 for a service that failed."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.console import auth
from services.console.auth import Forbidden, NotSignedIn
from services.console.i18n import Translator
from services.console.services_client import ServiceError
from shared.problems import problem_response

log = logging.getLogger(__name__)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def not_signed_in_response(request: Request) -> Response:
    if wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        next_part = f"?next={quote(target, safe='')}" if request.method == "GET" and target != "/" else ""
        return RedirectResponse(f"/login{next_part}", status_code=303)
    return problem_response(401, "not-signed-in", "Not signed in", "Sign in to the console first.")


async def error_response(request: Request, *, status: int, message: str, kind: str) -> Response:
    """A page (or problem) saying `message`, already translated."""
    if not wants_html(request):
        return problem_response(status, kind, "Console error", message, request.url.path)
    return await auth.console_state(request).pages.render(request, "error.html", {"message": message}, status=status)


async def forbidden_response(request: Request, key: str, *, kind: str = "forbidden") -> Response:
    t = await _translator(request)
    return await error_response(request, status=403, message=t(key), kind=kind)


def describe_service_error(error: ServiceError, t: Translator) -> str:
    """A readable sentence for a failed call, in the reader's language."""
    service = t(f"service.{error.service.value}")
    detail = error.detail or (str(error.status) if error.status else "")
    return t(f"service_error.{error.kind}", service=service, detail=detail)


def service_error_status(error: ServiceError) -> int:
    """The upstream refusal's own status when it is the caller's doing (4xx), else 502 or 503."""
    if error.kind == "refused" and error.status is not None and 400 <= error.status < 500:
        return error.status
    return 503 if error.kind in {"unreachable", "timeout", "not_configured"} else 502


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(NotSignedIn, _on_not_signed_in)
    app.add_exception_handler(Forbidden, _on_forbidden)
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


async def _translator(request: Request) -> Translator:
    signed_in = await auth.signed_in(request)
    pages = auth.console_state(request).pages
    return Translator(pages.language(request, signed_in.user.language if signed_in is not None else None))


async def _on_not_signed_in(request: Request, _: Exception) -> Response:
    return not_signed_in_response(request)


async def _on_forbidden(request: Request, _: Exception) -> Response:
    return await forbidden_response(request, "error.forbidden")


async def _on_service_error(request: Request, error: ServiceError) -> Response:
    log.warning("%s answered %s (%s) on %s", error.service.value, error.kind, error.status, request.url.path)
    message = describe_service_error(error, await _translator(request))
    return await error_response(request, status=service_error_status(error), message=message, kind="service-error")


async def _on_http(request: Request, error: StarletteHTTPException) -> Response:
    key = {404: "error.not_found", 405: "error.method", 403: "error.forbidden"}.get(error.status_code, "error.invalid")
    t = await _translator(request)
    return await error_response(request, status=error.status_code, message=t(key), kind="http-error")


async def _on_invalid(request: Request, _: RequestValidationError) -> Response:
    t = await _translator(request)
    return await error_response(request, status=422, message=t("error.invalid"), kind="validation-error")


async def _on_unexpected(request: Request, _: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    t = await _translator(request)
    return await error_response(request, status=500, message=t("error.internal"), kind="internal-error")
