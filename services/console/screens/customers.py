"""Customers (everyone; an agent finds only the customers of their own cases, as the case service answers them):

- `GET /customers?q=<name or part of an address>`: search (any accents, any word order).
- `GET /customers/{customer_id}`: the 360 view: contact points, every case and message across channels in time
  order, CSAT answers; for supervisors and admins also the duplicate suggestions with their evidence, and merging.
- `POST /customers/{customer_id}/merge` (`other_customer_id`): fold the other customer into this one; the page
  that follows offers to undo it.
- `POST /customers/{customer_id}/merges/{merge_id}/undo`: restore both as they were.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console import errors
from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.nav import EVERYONE, NavItem
from services.console.screens import service_reads
from services.console.screens.formatting import formatting
from services.console.services_client import Api, Service, ServiceError, api_path
from shared.tokens import Role

router = APIRouter(prefix="/customers")
NAV = NavItem(label="nav.customers", path="/customers", roles=EVERYONE, order=30)
STAFF_ONLY = require_roles(Role.ADMIN, Role.SUPERVISOR)
# A message's text on the 360 view is cut here (the case page has it whole).
TEXT_SHOWN = 2000
# A search with this many digits may be a phone number written any way (0912 345 678, +84912345678).
MIN_PHONE_DIGITS = 6
CustomerId = Annotated[str, Path(max_length=36)]
Id = Annotated[str, Query(max_length=36)]


@router.get("", include_in_schema=False)
async def search(request: Request, user: CurrentUser, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    fmt = formatting(request, user)
    text = q.strip()
    found: list[dict[str, Any]] = []
    unread = ""
    if len(text) >= 2:
        answer, unread = await service_reads.read(request, user, fmt.t, lambda api: _search(api, text))
        found = answer or []
    context = {"fmt": fmt, "q": text, "found": found, "too_short": 0 < len(text) < 2, "unread": unread}
    return await console_state(request).pages.render(request, "customers.html", context)


async def _search(api: Api, text: str) -> list[dict[str, Any]]:
    """Customers whose name or an address contains the text; and, when it reads as an address (an email, a phone
    number in any form), the customer owning that address as the case service normalizes it, first."""
    answer = await api.get(Service.CASES, "/v1/customers", params={"q": text})
    found = list(answer.get("items") or [])
    if "@" in text or sum(ch.isdigit() for ch in text) >= MIN_PHONE_DIGITS:
        try:
            owner = await api.get(Service.CASES, "/v1/customers", params={"contact": text})
        except ServiceError as error:
            if error.kind != "refused" or error.status not in (404, 409, 422):
                raise
        else:
            found = [owner, *(item for item in found if item.get("id") != owner.get("id"))]
    return found


@router.get("/{customer_id}", include_in_schema=False)
async def customer_page(
    request: Request, customer_id: CustomerId, user: CurrentUser, api: UserApi, merge: Id = "", merged: Id = ""
) -> Response:
    fmt = formatting(request, user)
    try:
        customer = await api.get(Service.CASES, api_path("/v1/customers/{id}", id=customer_id))
    except ServiceError as error:
        if error.not_found:
            message = fmt.t("customers.not_found")
            return await errors.error_response(request, status=404, message=message, kind="customer-not-found")
        raise
    staff = user.user.role in (Role.ADMIN.value, Role.SUPERVISOR.value)
    duplicates: list[dict[str, Any]] = []
    if staff and not customer.get("merged_into"):
        answer = await api.get(Service.CASES, api_path("/v1/customers/{id}/duplicates", id=customer_id))
        duplicates = list(answer.get("items") or [])
    context = {
        "fmt": fmt,
        "customer": customer,
        "messages": sorted(customer.get("messages") or [], key=lambda m: str(m.get("received_at"))),
        "cases": sorted(customer.get("cases") or [], key=lambda c: str(c.get("opened_at")), reverse=True),
        "duplicates": duplicates,
        "staff": staff,
        "text_shown": TEXT_SHOWN,
        "merge_id": merge,
        "merged": merged,
        "undone": request.query_params.get("undone") == "1",
    }
    return await console_state(request).pages.render(request, "customer.html", context)


@router.post("/{customer_id}/merge", include_in_schema=False, dependencies=[STAFF_ONLY])
async def merge(
    request: Request,
    customer_id: CustomerId,
    user: CurrentUser,
    api: UserApi,
    other_customer_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    fmt = formatting(request, user)
    other = other_customer_id.strip()
    if not other or other == customer_id:
        message = fmt.t("customers.merge_pick")
        return await errors.error_response(request, status=400, message=message, kind="merge-refused")
    path = api_path("/v1/customers/{id}/merge", id=customer_id)
    created = await api.post(Service.CASES, path, json={"other_customer_id": other})
    target = f"/customers/{fmt.part(customer_id)}" + fmt.query(merge=created.get("merge_id"), merged=other)
    return RedirectResponse(target, status_code=303)


@router.post("/{customer_id}/merges/{merge_id}/undo", include_in_schema=False, dependencies=[STAFF_ONLY])
async def undo(
    request: Request, customer_id: CustomerId, merge_id: CustomerId, user: CurrentUser, api: UserApi
) -> Response:
    fmt = formatting(request, user)
    path = api_path("/v1/customers/{id}/merges/{merge_id}/undo", id=customer_id, merge_id=merge_id)
    await api.post(Service.CASES, path)
    return RedirectResponse(f"/customers/{fmt.part(customer_id)}?undone=1", status_code=303)
