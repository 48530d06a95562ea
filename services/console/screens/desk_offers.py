"""Answering an offer (agents only): `POST /desk/offers/{offer_id}/accept` opens the case,
`POST /desk/offers/{offer_id}/decline` (form field `reason`, or `reason_choice` among the usual ones) sends it on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console.auth import CurrentUser, UserApi, require_roles
from services.console.screens.desk import translator
from services.console.screens.desk_views import DECLINE_REASONS, Labels
from services.console.services_client import Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/desk/offers", dependencies=[require_roles(Role.AGENT)])
NAV = None
MAX_OFFER_ID = 36
MAX_REASON = 500


@router.post("/{offer_id}/accept", include_in_schema=False)
async def accept(offer_id: str, api: UserApi) -> Response:
    if len(offer_id) > MAX_OFFER_ID:
        return _gone()
    try:
        answer = await api.post(Service.ROUTER, api_path("/v1/offers/{offer_id}/accept", offer_id=offer_id))
    except ServiceError as error:
        if _no_longer_open(error):
            return _gone()
        raise
    case_id = str(((answer or {}).get("offer") or {}).get("case_id") or "")
    return RedirectResponse(api_path("/desk/cases/{case_id}?done=accept", case_id=case_id), status_code=303)


@router.post("/{offer_id}/decline", include_in_schema=False)
async def decline(
    request: Request,
    offer_id: str,
    user: CurrentUser,
    api: UserApi,
    reason_choice: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> Response:
    if len(offer_id) > MAX_OFFER_ID:
        return _gone()
    # The usual reasons are sent in the agent's words, so a supervisor reads the same sentence they chose.
    chosen = Labels(translator(request, user)).decline_reason(reason_choice) if reason_choice in DECLINE_REASONS else ""
    text = " — ".join(part for part in (chosen, reason.strip()) if part)[:MAX_REASON] or None
    try:
        await api.post(
            Service.ROUTER, api_path("/v1/offers/{offer_id}/decline", offer_id=offer_id), json={"reason": text}
        )
    except ServiceError as error:
        if _no_longer_open(error):
            return _gone()
        raise
    return RedirectResponse("/desk?done=declined", status_code=303)


def _no_longer_open(error: ServiceError) -> bool:
    return error.kind == "refused" and error.status in (404, 409)


def _gone() -> Response:
    return RedirectResponse("/desk?done=offer_gone", status_code=303)
