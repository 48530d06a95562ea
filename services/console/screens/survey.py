"""The satisfaction survey page (no sign-in; the link's token is the credential): `GET /survey/{token}` asks for a
score from 1 to 5 and a comment; `POST /survey/{token}` (fields `score`, `comment`, `form_token`) records the answer
exactly as case_service `POST /v1/surveys/{token}` does (a low score reopens the case). A used or expired link says so
kindly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.public.forms import Verdict, digest
from services.console.public.state import PublicState, public_state
from services.console.public.submit import TOKEN_FIELD, Problem, read_form, text_field
from services.console.services_client import ServiceError

router = APIRouter()
NAV = None
MAX_COMMENT = 4000
MAX_TOKEN = 64
SCORES = (1, 2, 3, 4, 5)


def purpose(token: str) -> str:
    return f"survey:{digest(token)}"


@router.get("/survey/{token}", include_in_schema=False)
async def survey_page(request: Request, token: str) -> Response:
    state = public_state(request)
    switched = state.pages.language_switch(request)
    if switched is not None:
        return switched
    survey = await _survey(request, state, token)
    if isinstance(survey, Response):
        return survey
    if survey["answered"]:
        key = "survey.thanks" if request.query_params.get("done") else "survey.already_answered"
        return state.pages.render(request, "survey_closed.html", {"key": key, "survey": survey})
    if survey["expired"]:
        return state.pages.render(
            request, "survey_closed.html", {"key": "survey.expired", "survey": survey}, status=410
        )
    return _form(request, state, token, survey)


@router.post("/survey/{token}", include_in_schema=False)
async def answer(request: Request, token: str) -> Response:
    state = public_state(request)
    survey = await _survey(request, state, token)
    if isinstance(survey, Response):
        return survey
    form = await read_form(request, max_files=0)
    if form is None:
        return _form(request, state, token, survey, errors=[Problem("public.unreadable")], status=400)
    await form.close()  # a survey carries no files; its fields stay readable
    comment = text_field(form, "comment").strip()[: MAX_COMMENT + 1]
    checked = state.forms.check(text_field(form, TOKEN_FIELD), purpose(token), now=datetime.now(UTC))
    # A survey is answered once and by the link alone: no minimum time, only proof that this page was shown.
    if checked.verdict in (Verdict.INVALID, Verdict.STALE):
        return _form(request, state, token, survey, comment=comment, errors=[Problem("public.stale_form")], status=400)
    score = _score(text_field(form, "score"))
    errors = []
    if score is None:
        errors.append(Problem("survey.error.score"))
    if len(comment) > MAX_COMMENT:
        errors.append(Problem("survey.error.comment", {"max": MAX_COMMENT}))
    if errors or score is None:
        return _form(request, state, token, survey, comment=comment, errors=errors, status=422)
    try:
        await state.access.answer_survey(token, score=score, comment=comment or None)
    except ServiceError as error:
        if error.kind == "refused" and error.status == 409:  # answered already (a double click): thanked all the same
            return RedirectResponse(_done_url(token), status_code=303)
        if error.kind == "refused" and error.status == 410:
            return state.pages.render(
                request, "survey_closed.html", {"key": "survey.expired", "survey": survey}, status=410
            )
        return _form(request, state, token, survey, comment=comment, errors=[Problem("public.unavailable")], status=503)
    return RedirectResponse(_done_url(token), status_code=303)


async def _survey(request: Request, state: PublicState, token: str) -> dict[str, Any] | Response:
    if not token or len(token) > MAX_TOKEN:
        return state.pages.render(request, "refused.html", {"reason": ("survey.unknown", 0)}, status=404)
    try:
        return await state.access.survey(token)
    except ServiceError as error:
        if error.kind == "refused" and error.status in (404, 422):
            return state.pages.render(request, "refused.html", {"reason": ("survey.unknown", 0)}, status=404)
        return state.pages.render(request, "refused.html", {"reason": ("public.page_unavailable", 0)}, status=503)


def _score(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) == 1 and int(value) in SCORES else None


def _done_url(token: str) -> str:
    return f"/survey/{quote(token, safe='')}?done=1"


def _form(
    request: Request,
    state: PublicState,
    token: str,
    survey: dict[str, Any],
    *,
    comment: str = "",
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "survey": survey,
        "action": f"/survey/{quote(token, safe='')}",
        "form_token": state.forms.issue(purpose(token), now=datetime.now(UTC)),
        "scores": SCORES,
        "comment": comment,
        "errors": errors or [],
        "max_comment": MAX_COMMENT,
    }
    return state.pages.render(request, "survey.html", context, status=status)
