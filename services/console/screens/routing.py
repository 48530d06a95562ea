"""Why did this case go to this agent? (supervisors and admins)

- `GET /routing?case=<reference, id or words>`: finds the case (an exact reference opens it; otherwise the cases the
  words match are listed).
- `GET /routing/{case_id}`: the case, and every routing decision the router recorded for it, readable: what
  triggered it, what it did, what the case needed, every agent considered and why they were or were not eligible.
- `GET /routing/{case_id}?dry_run=1`: the same, with "who would get it now?": the router's dry run for the case as it
  is now (its markers and preferred skills, the agents who declined it), which changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.screens.formatting import formatting
from services.console.services_client import Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/routing", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = None  # reached from the floor (its lookup form and every case on it)
LOOKUP_LIMIT = 20


@router.get("", include_in_schema=False)
async def lookup(
    request: Request, user: CurrentUser, api: UserApi, case: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    text = case.strip()
    matches: list[dict[str, Any]] = []
    if len(text) >= 2:
        answer = await api.get(Service.CASES, "/v1/cases", params={"q": text, "limit": LOOKUP_LIMIT})
        matches = list(answer.get("items") or [])
        exact = [item for item in matches if str(item.get("reference", "")).lower() == text.lower()]
        if len(exact) == 1:
            return RedirectResponse(f"/routing/{formatting(request, user).part(exact[0]['id'])}", status_code=303)
    context = {"fmt": formatting(request, user), "text": text, "matches": matches}
    return await console_state(request).pages.render(request, "routing_lookup.html", context)


@router.get("/{case_id}", include_in_schema=False)
async def explain(
    request: Request,
    case_id: Annotated[str, Path(max_length=100)],
    user: CurrentUser,
    api: UserApi,
    dry_run: bool = False,
) -> Response:
    case = await _missing_is_none(api.get(Service.CASES, api_path("/v1/cases/{id}", id=case_id)))
    routing = await _missing_is_none(api.get(Service.ROUTER, api_path("/v1/cases/{id}/routing", id=case_id)))
    preview = None
    if dry_run:
        preview = await _missing_is_none(api.post(Service.ROUTER, "/v1/routing/dry-run", json={"case_id": case_id}))
    context = {
        "fmt": formatting(request, user),
        "case_id": case_id,
        "case": case,
        "decisions": (routing or {}).get("decisions") or [],
        "dry_run": dry_run,
        "preview": preview,
    }
    return await console_state(request).pages.render(request, "routing.html", context)


async def _missing_is_none(call: Any) -> Any:
    """The answer, or None when the service does not know the case (any other failure is shown as it is)."""
    try:
        return await call
    except ServiceError as error:
        if error.not_found:
            return None
        raise
