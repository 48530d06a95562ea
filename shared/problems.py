"""RFC 9457 problem details: every error a client sees is `application/problem+json` and says what went wrong."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://complaints.example/problems/"


class Problem(Exception):
    """Raise to answer with a problem+json body. `kind` becomes the last part of the problem's type URI."""

    def __init__(self, status: int, kind: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(
    status: int, kind: str, title: str, detail: str | None = None, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _on_database_busy)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(request: Request, error: Problem) -> JSONResponse:
    response = problem_response(
        error.status, error.kind, error.title, error.detail, instance=request.url.path, **error.extra
    )
    response.headers.update(error.headers)
    return response


async def _on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(part) for part in item["loc"] if part != "body"), "message": item["msg"]}
        for item in error.errors()
    ]
    fields = ", ".join(e["field"] or "body" for e in errors)
    return problem_response(
        422, "validation-error", "Request is not valid", f"Invalid field(s): {fields}", request.url.path, errors=errors
    )


async def _on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    kinds = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
    response = problem_response(
        error.status_code,
        kinds.get(error.status_code, "http-error"),
        str(error.detail) if error.detail else "HTTP error",
        instance=request.url.path,
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _on_database_busy(request: Request, error: OperationalError) -> JSONResponse:
    """The database refused for a passing reason (a deadlock victim, a lock timeout, a lost connection): the
    transaction was rolled back whole, so the same request can simply be sent again."""
    log.warning("database busy on %s %s: %s", request.method, request.url.path, type(error.orig).__name__)
    response = problem_response(
        503,
        "database-busy",
        "Database busy",
        "The database could not complete the request right now and nothing was changed; send it again.",
        request.url.path,
    )
    response.headers["Retry-After"] = "1"
    return response


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "internal-error", "Internal error", "The error was logged; nothing was lost.", request.url.path
    )
