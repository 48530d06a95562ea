"""The public complaint form (no sign-in): `GET /complain`, `POST /complain` (fields `name`, `email`, `phone`,
`subject`, `text`, `order`, up to CONSOLE_UPLOAD_MAX_FILES `files`, the signed `form_token`, the `website` honeypot),
and the answer page `GET /complain/received/{receipt}`, which shows the case reference once the case exists.

Works without JavaScript. A form is sent to the gateway (`POST /v1/messages`, channel web) with its form token as the
Idempotency-Key, so a double click or a resubmitted page makes one message; the answer page is shown only once the
gateway has made the message durable (its 202).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from services.console.public import complaint as rules
from services.console.public.forms import Verdict
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
from services.console.services_client import ServiceError

router = APIRouter()
NAV = None
PURPOSE = "complain"
REFRESH_SECONDS = 2
# How long the answer page shows the link to the case's status page.
LINK_SHOWN_FOR = timedelta(days=1)


@router.get("/complain", include_in_schema=False)
async def complain_page(request: Request) -> Response:
    state = public_state(request)
    switched = state.pages.language_switch(request)
    if switched is not None:
        return switched
    return _form(request, state, values={}, token=state.forms.issue(PURPOSE, now=datetime.now(UTC)))


@router.post("/complain", include_in_schema=False)
async def complain(request: Request) -> Response:
    state = public_state(request)
    now = datetime.now(UTC)
    form = await read_form(request, max_files=state.uploads.max_files)
    if form is None:
        fresh = state.forms.issue(PURPOSE, now=now)
        return _form(request, state, values={}, token=fresh, errors=[Problem("public.unreadable")], status=400)
    try:
        return await _submit(request, state, form, now=now)
    finally:
        await form.close()  # the uploaded files' spooled copies


async def _submit(request: Request, state: PublicState, form: FormData, *, now: datetime) -> Response:
    complaint = rules.Complaint.from_form(form)
    token = text_field(form, TOKEN_FIELD)
    checked = state.forms.check(token, PURPOSE, now=now)
    if checked.verdict in (Verdict.INVALID, Verdict.STALE):
        fresh = state.forms.issue(PURPOSE, now=now)
        errors = [token_problem(checked.verdict) or Problem("public.stale_form")]
        return _form(request, state, values=complaint.values(), token=fresh, errors=errors, status=400)
    if caught_by_honeypot(form):
        return _form(
            request, state, values=complaint.values(), token=token, errors=[Problem("public.honeypot")], status=400
        )
    earlier = await state.limits.earlier(token)
    if earlier is not None:  # the same form again (a double click, a page sent again): the same answer
        return _to_receipt(state, token, earlier.submitted_at)
    too_fast = token_problem(checked.verdict)
    if too_fast is not None:
        return _form(request, state, values=complaint.values(), token=token, errors=[too_fast], status=400)
    region = state.settings.default_region
    errors = [Problem(key) for key in rules.problems(complaint, region=region)]
    uploads, refused_files = await read_uploads(form, state.uploads)
    errors += [Problem(problem.key, file_values(problem.filename, state.uploads)) for problem in refused_files]
    if errors:
        return _form(request, state, values=complaint.values(), token=token, errors=errors, status=422)
    client = client_address(request)
    refused = await state.limits.refusal(
        kind=Kind.COMPLAINT, client=client, address=rules.contact_key(complaint, region=region), now=now
    )
    if refused is not None:
        problem = limit_problem(refused, window_minutes=state.settings.public_window_minutes)
        return _form(request, state, values=complaint.values(), token=token, errors=[problem], status=429)
    t = state.pages.translator(request)
    message = rules.gateway_message(
        complaint,
        language=state.pages.language(request),
        labels={"phone": t("complain.phone"), "order": t("complain.order")},
    )
    if uploads:
        message["attachments"] = [upload.as_attachment() for upload in uploads]
    try:
        event_id = await state.access.submit(message, idempotency_key=token)
    except ServiceError as error:
        if error.problem_kind == "idempotency-key-reused":
            # This form was sent before with other contents: a new form, so the new contents are a new message.
            fresh = state.forms.issue(PURPOSE, now=now)
            problems = [Problem("public.sent_before")]
            return _form(request, state, values=complaint.values(), token=fresh, errors=problems, status=409)
        problem = gateway_problem(error)
        status = 422 if problem.key != "public.unavailable" else 503
        return _form(request, state, values=complaint.values(), token=token, errors=[problem], status=status)
    submitted_at = datetime.now(UTC)
    await state.limits.record(
        Submission(
            form_token=token,
            kind=Kind.COMPLAINT,
            client=client,
            event_id=event_id,
            submitted_at=submitted_at,
            address=rules.contact_key(complaint, region=region),
        )
    )
    return _to_receipt(state, token, submitted_at)


@router.get("/complain/received/{receipt}", include_in_schema=False)
async def received(request: Request, receipt: str) -> Response:
    state = public_state(request)
    switched = state.pages.language_switch(request)
    if switched is not None:
        return switched
    accepted = state.forms.read_receipt(receipt)
    if accepted is None:
        return state.pages.render(request, "refused.html", {"reason": ("public.receipt_unknown", 0)}, status=404)
    try:
        placement = await state.access.placement(idempotency_key=accepted.form_token)
    except ServiceError:
        placement = None  # the case service is away: the complaint is safe all the same (the gateway has it)
    age = datetime.now(UTC) - accepted.submitted_at
    waiting = placement is None and age < state.receipt_wait
    if placement is not None and age > LINK_SHOWN_FOR:
        # An old answer page (in a history, a shared screenshot) no longer opens the case: the mail has the link.
        placement = {**placement, "status_url": None}
    return state.pages.render(
        request,
        "received.html",
        {"placement": placement, "waiting": waiting},
        refresh_seconds=REFRESH_SECONDS if waiting else None,
    )


def _to_receipt(state: PublicState, token: str, submitted_at: datetime) -> Response:
    receipt = state.forms.receipt(token, submitted_at=submitted_at)
    return RedirectResponse(f"/complain/received/{receipt}", status_code=303)


def _form(
    request: Request,
    state: PublicState,
    *,
    values: dict[str, str],
    token: str,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    policy = state.uploads
    context = {
        "values": {name: values.get(name, "") for name in rules.FIELDS},
        "form_token": token,
        "errors": errors or [],
        "max_files": policy.max_files,
        "max_mb": megabytes(policy.max_bytes),
        "max_total_mb": megabytes(policy.max_total_bytes),
        "extensions": sorted(policy.extensions),
        "limits": {
            "name": rules.MAX_NAME,
            "subject": rules.MAX_SUBJECT,
            "text": rules.MAX_TEXT,
            "order": rules.MAX_ORDER,
        },
    }
    return state.pages.render(request, "complain.html", context, status=status)
