"""What the public forms share on the way in: reading the posted form within bounds, the form token's verdict as a
refusal, the honeypot, the rate limit's answer, and a refusal of the gateway in the customer's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from services.console.public.forms import Verdict
from services.console.public.limits import Refused
from services.console.services_client import ServiceError

TOKEN_FIELD = "form_token"
# Hidden from people (off-screen, out of the tab order, unlabelled for screen readers): only a robot fills it in.
HONEYPOT_FIELD = "website"
MAX_FIELDS = 30
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Problem:
    """A reason shown to the customer: a catalogue key and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


async def read_form(request: Request, *, max_files: int) -> FormData | None:
    """The posted form (urlencoded or multipart), or None when it cannot be read within the bounds."""
    try:
        return await request.form(max_files=max_files + 1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except (HTTPException, ValueError, UnicodeDecodeError):
        return None


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def token_problem(verdict: Verdict) -> Problem | None:
    """Why a form with this token is refused (None: it may be sent). A stale or forged token gets a fresh form."""
    if verdict is Verdict.OK:
        return None
    if verdict is Verdict.TOO_FAST:
        return Problem("public.too_fast")
    return Problem("public.stale_form")


def caught_by_honeypot(form: FormData) -> bool:
    return bool(text_field(form, HONEYPOT_FIELD).strip())


def limit_problem(refused: Refused, *, window_minutes: int) -> Problem:
    return Problem(
        f"public.limit.{refused.limit.value}",
        {"count": refused.count, "window": window_minutes, "minutes": refused.minutes},
    )


def gateway_problem(error: ServiceError) -> Problem:
    """A refusal of the customer's message, in words: a file the gateway refused (with its reason), else the service
    being unavailable (nothing was received: sending again is safe, the form token makes it one message)."""
    if error.kind == "refused" and error.problem_kind == "attachment-refused":
        return Problem("public.files.refused_by_service", {"detail": error.detail})
    return Problem("public.unavailable")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
