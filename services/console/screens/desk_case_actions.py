"""What an agent does on a case (agents only), each a form posted to `/desk/cases/{case_id}/<action>` and sent to
the case service with the agent's token:

- `reply` (`text`, `await_customer`): sent on the case's channel; its delivery status then updates live;
- `note` (`text`), `reclassify` (`category`, `priority`), `escalate` (`reason`),
- `resolve` (`resolution_code`, `root_cause`), `reopen` (`reason`), `close` (`reason`, optional).

Done: back to the case page saying so. Refused (a missing field, or the case service's reason, e.g. a closed case
takes no reply): the case page again with the reason, and nothing changed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console.auth import CurrentUser, UserApi, require_roles
from services.console.errors import describe_service_error, service_error_status
from services.console.screens.case import render_case
from services.console.screens.desk import translator
from services.console.screens.desk_views import PRIORITIES
from services.console.services_client import Api, Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/desk/cases", dependencies=[require_roles(Role.AGENT)])
NAV = None

LONG = 20_000  # a reply or a note
REASON = 2_000
CODE = 100
Long = Annotated[str, Form(max_length=LONG)]
Reason = Annotated[str, Form(max_length=REASON)]
Code = Annotated[str, Form(max_length=CODE)]


@router.post("/{case_id}/reply", include_in_schema=False)
async def reply(
    request: Request, case_id: str, user: CurrentUser, api: UserApi, text: Long = "", await_customer: Code = ""
) -> Response:
    body = {"text": text.strip(), "await_customer": bool(await_customer)}
    return await _act(request, user, api, case_id, "reply", body, required={"text": "casepage.reply_text"})


@router.post("/{case_id}/note", include_in_schema=False)
async def note(request: Request, case_id: str, user: CurrentUser, api: UserApi, text: Long = "") -> Response:
    body = {"text": text.strip()}
    return await _act(request, user, api, case_id, "note", body, required={"text": "casepage.note"})


@router.post("/{case_id}/reclassify", include_in_schema=False)
async def reclassify(
    request: Request, case_id: str, user: CurrentUser, api: UserApi, category: Code = "", priority: Code = ""
) -> Response:
    body = {"category": category.strip() or None, "priority": priority if priority in PRIORITIES else None}
    return await _act(request, user, api, case_id, "reclassify", body, method="PATCH", path="/v1/cases/{case_id}")


@router.post("/{case_id}/escalate", include_in_schema=False)
async def escalate(request: Request, case_id: str, user: CurrentUser, api: UserApi, reason: Reason = "") -> Response:
    body = {"reason": reason.strip()}
    return await _act(request, user, api, case_id, "escalate", body, required={"reason": "casepage.escalate_reason"})


@router.post("/{case_id}/resolve", include_in_schema=False)
async def resolve(
    request: Request, case_id: str, user: CurrentUser, api: UserApi, resolution_code: Code = "", root_cause: Code = ""
) -> Response:
    body = {"resolution_code": resolution_code.strip(), "root_cause": root_cause.strip()}
    required = {"resolution_code": "casepage.resolution_code", "root_cause": "casepage.root_cause"}
    return await _act(request, user, api, case_id, "resolve", body, required=required)


@router.post("/{case_id}/reopen", include_in_schema=False)
async def reopen(request: Request, case_id: str, user: CurrentUser, api: UserApi, reason: Reason = "") -> Response:
    body = {"reason": reason.strip()}
    return await _act(request, user, api, case_id, "reopen", body, required={"reason": "casepage.reopen_reason"})


@router.post("/{case_id}/close", include_in_schema=False)
async def close(request: Request, case_id: str, user: CurrentUser, api: UserApi, reason: Reason = "") -> Response:
    return await _act(request, user, api, case_id, "close", {"reason": reason.strip() or None})


async def _act(
    request: Request,
    user: CurrentUser,
    api: Api,
    case_id: str,
    action: str,
    body: dict[str, Any],
    *,
    required: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/v1/cases/{case_id}/" + "{action}",
) -> Response:
    t = translator(request, user)
    missing = [t(label) for field, label in (required or {}).items() if not body.get(field)]
    if missing:
        message = t("casepage.field_required", field=", ".join(missing))
        return await render_case(request, user, api, case_id, action_error=message, status=400)
    target = api_path(path, case_id=case_id, action=action)
    try:
        if method == "PATCH":
            await api.patch(Service.CASES, target, json=body)
        else:
            await api.post(Service.CASES, target, json=body)
    except ServiceError as error:
        if error.not_found:
            raise
        message = describe_service_error(error, t)
        return await render_case(request, user, api, case_id, action_error=message, status=service_error_status(error))
    return RedirectResponse(api_path("/desk/cases/{case_id}?done={action}", case_id=case_id, action=action), 303)
