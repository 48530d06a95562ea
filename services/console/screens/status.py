"""The customer's case status page (no sign-in; the link's token is the credential): `GET /status/{token}` shows the
case reference, its status in plain words and the messages exchanged (case_service `GET /v1/status/{token}`, which
answers for that link's case only); `POST /status/{token}` (fields `text`, `files`, `form_token`, the `website`
honeypot) sends the customer's message to the gateway with the link's token, so it joins that case as theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from services.console.public.forms import Verdict, digest
from services.console.public.limits import Kind, Submission
from services.console.public.state import PublicState, public_state
from services.console.public.submit import (
    TOKEN_FIELD,
    Problem,
    caught_by_honeypot,
    client_address,
    gateway_problem,
    limit_problem,
    read_form,
    text_field,
    token_problem,
)
from services.console.public.uploads import file_values, megabytes, read_uploads
from services.console.screens.attachments import relay_download
from services.console.services_client import ServiceError
from shared.problems import Problem as ServiceProblem

router = APIRouter()
NAV = None
MAX_TEXT = 10_000
MAX_TOKEN = 128
REFRESH_SECONDS = 2


def purpose(token: str) -> str:
    """A status page's forms are its own: a token of one link's page is no token of another's."""
    return f"status:{digest(token)}"


@router.get("/status/{token}", include_in_schema=False)
async def status_page(request: Request, token: str) -> Response:
    state = public_state(request)
    switched = state.pages.language_switch(request)
    if switched is not None:
        return switched
    # Where the message just sent went is asked before the case is read: a message found there is on the page.
    sent = await _sent(request, state)
    view = await _view(request, state, token)
    if isinstance(view, Response):
        return view
    notice, refresh = _sent_notice(sent, view)
    fresh = state.forms.issue(purpose(token), now=datetime.now(UTC))
    return _page(request, state, token, view, form_token=fresh, notice=notice, refresh=refresh)


@router.post("/status/{token}", include_in_schema=False)
async def write(request: Request, token: str) -> Response:
    state = public_state(request)
    now = datetime.now(UTC)
    view = await _view(request, state, token)
    if isinstance(view, Response):
        return view
    form = await read_form(request, max_files=state.uploads.max_files)
    if form is None:
        return _again(request, state, token, view, text="", errors=[Problem("public.unreadable")], status=400)
    try:
        return await _submit(request, state, token, view, form, now=now)
    finally:
        await form.close()  # the uploaded files' spooled copies


async def _submit(
    request: Request, state: PublicState, token: str, view: dict[str, Any], form: FormData, *, now: datetime
) -> Response:
    text = text_field(form, "text").strip()[: MAX_TEXT + 1]
    form_token = text_field(form, TOKEN_FIELD)
    checked = state.forms.check(form_token, purpose(token), now=now)
    if checked.verdict in (Verdict.INVALID, Verdict.STALE):
        return _again(request, state, token, view, text=text, errors=[Problem("public.stale_form")], status=400)
    if caught_by_honeypot(form):
        return _again(
            request,
            state,
            token,
            view,
            text=text,
            errors=[Problem("public.honeypot")],
            status=400,
            form_token=form_token,
        )
    earlier = await state.limits.earlier(form_token)
    if earlier is not None:
        return _to_page(state, token, form_token, earlier.submitted_at)
    errors = [problem for problem in [token_problem(checked.verdict)] if problem is not None]
    if not view["can_write"]:
        errors.append(Problem("status.closed"))
    if not text or len(text) > MAX_TEXT:
        errors.append(Problem("status.error.text"))
    uploads, refused_files = await read_uploads(form, state.uploads)
    errors += [Problem(problem.key, file_values(problem.filename, state.uploads)) for problem in refused_files]
    if errors:
        return _again(request, state, token, view, text=text, errors=errors, status=422, form_token=form_token)
    client = client_address(request)
    refused = await state.limits.refusal(kind=Kind.STATUS_MESSAGE, client=client, link_token=token, now=now)
    if refused is not None:
        problem = limit_problem(refused, window_minutes=state.settings.public_window_minutes)
        return _again(request, state, token, view, text=text, errors=[problem], status=429, form_token=form_token)
    message: dict[str, Any] = {
        "channel": "web",
        "status_token": token,
        "text": text,
        "language": state.pages.language(request),
    }
    if uploads:
        message["attachments"] = [upload.as_attachment() for upload in uploads]
    try:
        event_id = await state.access.submit(message, idempotency_key=form_token)
    except ServiceError as error:
        problem = gateway_problem(error)
        status = 503 if problem.key == "public.unavailable" else 422
        return _again(request, state, token, view, text=text, errors=[problem], status=status, form_token=form_token)
    submitted_at = datetime.now(UTC)
    await state.limits.record(
        Submission(
            form_token=form_token,
            kind=Kind.STATUS_MESSAGE,
            client=client,
            event_id=event_id,
            submitted_at=submitted_at,
            link_token=token,
        )
    )
    return _to_page(state, token, form_token, submitted_at)


@router.get("/status/{token}/files/{message_id}/{index}", include_in_schema=False)
async def open_file(request: Request, token: str, message_id: str, index: int) -> Response:
    """A file of a message on the page: the link's check stands in for signing in; the file comes from the service
    that stores it, through the signed download link case_service gave this page (Range requests included)."""
    state = public_state(request)
    view = await _view(request, state, token)
    if isinstance(view, Response):
        return view
    message = next((m for m in view.get("messages", []) if m.get("id") == message_id), None)
    files = message.get("attachments", []) if message is not None else []
    link = files[index].get("download_url") if 0 <= index < len(files) else None
    if not link:
        return state.pages.render(request, "refused.html", {"reason": ("status.file_unavailable", 0)}, status=404)
    try:
        return await relay_download(request, str(link), request.headers.get("range"))
    except ServiceProblem as problem:
        key = "public.page_unavailable" if problem.status >= 500 else "status.file_unavailable"
        return state.pages.render(request, "refused.html", {"reason": (key, 0)}, status=problem.status)


async def _view(request: Request, state: PublicState, token: str) -> dict[str, Any] | Response:
    """The case of the link, or the page saying why there is none (unknown, expired or revoked, unavailable)."""
    if not token or len(token) > MAX_TOKEN:
        return state.pages.render(request, "refused.html", {"reason": ("status.unknown", 0)}, status=404)
    try:
        return await state.access.status(token)
    except ServiceError as error:
        if error.not_found:
            return state.pages.render(request, "refused.html", {"reason": ("status.unknown", 0)}, status=404)
        if error.kind == "refused" and error.status == 410:
            key = "status.revoked" if error.problem_kind == "status-link-revoked" else "status.expired"
            return state.pages.render(request, "refused.html", {"reason": (key, 0)}, status=410)
        return state.pages.render(request, "refused.html", {"reason": ("public.page_unavailable", 0)}, status=503)


@dataclass(frozen=True)
class _Sent:
    """A message this page sent (`?sent=<receipt>`): where it went (None: not stored yet), and whether to look
    again in a moment."""

    placement: dict[str, Any] | None
    waiting: bool


async def _sent(request: Request, state: PublicState) -> _Sent | None:
    accepted = state.forms.read_receipt(request.query_params.get("sent", ""))
    if accepted is None:
        return None
    try:
        placement = await state.access.placement(idempotency_key=accepted.form_token)
    except ServiceError:
        placement = None
    return _Sent(placement, datetime.now(UTC) - accepted.submitted_at < state.receipt_wait)


def _sent_notice(sent: _Sent | None, view: dict[str, Any]) -> tuple[tuple[str, str] | None, bool]:
    """What to say about the message just sent, and whether to reload the page to show it."""
    if sent is None:
        return None, False
    if sent.placement is None:
        return ("status.sent_waiting", ""), sent.waiting
    reference = str(sent.placement.get("case_reference", ""))
    if reference != view["case_reference"]:
        return ("status.sent_new_case", reference), False
    return ("status.sent", ""), False


def _to_page(state: PublicState, token: str, form_token: str, submitted_at: datetime) -> Response:
    receipt = state.forms.receipt(form_token, submitted_at=submitted_at)
    return RedirectResponse(f"/status/{quote(token, safe='')}?sent={quote(receipt, safe='')}", status_code=303)


def _again(
    request: Request,
    state: PublicState,
    token: str,
    view: dict[str, Any],
    *,
    text: str,
    errors: list[Problem],
    status: int,
    form_token: str | None = None,
) -> Response:
    """The page again with what the customer typed and why it was not sent (a fresh form token unless the old one
    may be sent again)."""
    fresh = form_token or state.forms.issue(purpose(token), now=datetime.now(UTC))
    return _page(request, state, token, view, form_token=fresh, text=text, errors=errors, status=status)


def _page(
    request: Request,
    state: PublicState,
    token: str,
    view: dict[str, Any],
    *,
    form_token: str,
    text: str = "",
    errors: list[Problem] | None = None,
    notice: tuple[str, str] | None = None,
    refresh: bool = False,
    status: int = 200,
) -> Response:
    policy = state.uploads
    context = {
        "view": view,
        "messages": view.get("messages", []),
        "action": f"/status/{quote(token, safe='')}",
        "form_token": form_token,
        "text": text,
        "errors": errors or [],
        "sent": notice,
        "max_files": policy.max_files,
        "max_mb": megabytes(policy.max_bytes),
        "extensions": sorted(policy.extensions),
        "max_text": MAX_TEXT,
    }
    return state.pages.render(
        request, "status.html", context, status=status, refresh_seconds=REFRESH_SECONDS if refresh else None
    )
