"""Dead letters (supervisors and admins): the records a consumer could not process, kept by the gateway.

- `GET /deadletters?source_topic=&offset=`: newest first, a page at a time, with the counts per source topic and
  consumer.
- `GET /deadletters/{letter_id}`: one letter whole: why it failed, where it came from, its key, headers and value.
- `POST /deadletters/{letter_id}/replay`: publish it again to its source topic (harmless twice: consumers dedup).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console import errors
from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.nav import STAFF, NavItem
from services.console.screens import service_reads
from services.console.screens.formatting import formatting
from services.console.services_client import Api, Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/deadletters", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.deadletters", path="/deadletters", roles=STAFF, order=50)
PAGE = 50
# A value is shown pretty-printed when it is JSON of at most this size; otherwise as it is.
PRETTY_LIMIT = 200_000
LetterId = Annotated[str, Path(max_length=100)]


@router.get("", include_in_schema=False)
async def list_page(
    request: Request,
    user: CurrentUser,
    source_topic: Annotated[str, Query(max_length=249)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    fmt = formatting(request, user)
    params: dict[str, Any] = {"limit": PAGE, "offset": offset}
    if source_topic:
        params["source_topic"] = source_topic

    async def load(api: Api) -> tuple[Any, Any]:
        return (
            await api.get(Service.GATEWAY, "/v1/deadletters", params=params),
            await api.get(Service.GATEWAY, "/v1/deadletters/stats"),
        )

    found, unread = await service_reads.read(request, user, fmt.t, load)
    letters, stats = found or ({}, {})
    total = int(letters.get("total") or 0)
    context = {
        "fmt": fmt,
        "unread": unread,
        "letters": letters.get("items") or [],
        "stats": stats.get("by_source") or [],
        "total": total,
        "all_total": int(stats.get("total") or 0),
        "source_topic": source_topic,
        "offset": offset,
        "previous": max(0, offset - PAGE) if offset > 0 else None,
        "next": offset + PAGE if offset + PAGE < total else None,
    }
    return await console_state(request).pages.render(request, "deadletters.html", context)


@router.get("/{letter_id}", include_in_schema=False)
async def letter_page(request: Request, letter_id: LetterId, user: CurrentUser, api: UserApi) -> Response:
    fmt = formatting(request, user)
    try:
        letter = await api.get(Service.GATEWAY, api_path("/v1/deadletters/{id}", id=letter_id))
    except ServiceError as error:
        if error.not_found:
            message = fmt.t("deadletters.not_found")
            return await errors.error_response(request, status=404, message=message, kind="dead-letter-not-found")
        raise
    context = {
        "fmt": fmt,
        "letter": letter,
        "value": readable_value(letter),
        "replayed": request.query_params.get("replayed") == "1",
    }
    return await console_state(request).pages.render(request, "deadletter.html", context)


@router.post("/{letter_id}/replay", include_in_schema=False)
async def replay(request: Request, letter_id: LetterId, user: CurrentUser, api: UserApi) -> Response:
    await api.post(Service.GATEWAY, api_path("/v1/deadletters/{id}/replay", id=letter_id))
    return RedirectResponse(f"/deadletters/{formatting(request, user).part(letter_id)}?replayed=1", status_code=303)


def readable_value(letter: dict[str, Any]) -> str:
    """The letter's value for reading: JSON pretty-printed, any other text as it is, base64 as the gateway gives it."""
    value = str(letter.get("value") or "")
    if letter.get("value_encoding") != "utf-8" or len(value) > PRETTY_LIMIT:
        return value
    try:
        return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
        return value
