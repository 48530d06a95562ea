"""One of the agent's cases (agents only): `GET /desk/cases/{case_id}`. The case with its conversation (delivery
status of each reply), the customer's whole history across channels (identities, earlier cases, CSAT answers), the
timeline with its reasons merged with the router's decisions, the category's playbook, the SLA clocks, the
follow-ups, and the action forms (screens/desk_case_actions.py answers them).

Right after accepting an offer the case service may not have recorded the assignment yet: the page then says the
case is on its way and opens it by itself (static/desk.js) as soon as the case service tells it is the agent's.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.console.auth import CurrentUser, UserApi, console_state, require_roles
from services.console.errors import describe_service_error
from services.console.i18n import Translator
from services.console.screens import desk_data
from services.console.screens.desk import agent_id, shared_context, translator
from services.console.screens.desk_views import (
    CATEGORIES,
    COUNTING,
    PRIORITIES,
    Labels,
    latest_customer_message_at,
)
from services.console.screens.desk_wording import timeline_lines
from services.console.services_client import Api, Service, ServiceError, api_path
from shared.html import sanitize_html
from shared.tokens import Role

router = APIRouter(prefix="/desk/cases", dependencies=[require_roles(Role.AGENT)])
NAV = None

# Which forms a case in each status offers (the case service refuses the rest anyway, with its reason).
ACTIONS: dict[str, tuple[str, ...]] = {
    "new": ("reply", "reclassify", "escalate", "resolve", "close"),
    "open": ("reply", "reclassify", "escalate", "resolve", "close"),
    "pending_customer": ("reply", "reclassify", "escalate", "resolve", "close"),
    "resolved": ("reply", "reclassify", "reopen", "close"),
    "closed": (),
}
DONE = {
    name: f"casepage.done_{name}"
    for name in ("reply", "note", "reclassify", "escalate", "resolve", "reopen", "close", "accept")
}
Text = Annotated[str, Query(max_length=100)]


@router.get("/{case_id}", include_in_schema=False)
async def case_page(request: Request, case_id: str, user: CurrentUser, api: UserApi, done: Text = "") -> Response:
    return await render_case(request, user, api, case_id, notice=DONE.get(done))


async def render_case(
    request: Request,
    user: CurrentUser,
    api: Api,
    case_id: str,
    *,
    notice: str | None = None,
    action_error: str = "",
    status: int = 200,
) -> Response:
    """The case page (also after an action the case service refused: `action_error` says why)."""
    state = console_state(request)
    t = translator(request, user)
    try:
        case = await api.get(Service.CASES, api_path("/v1/cases/{case_id}", case_id=case_id))
    except ServiceError as error:
        if error.not_found:
            return await _not_yet_or_not_yours(request, user, api, case_id, t)
        raise
    customer, routing, follow_ups, offers = await asyncio.gather(
        desk_data.section(t, _customer(api, case)),
        desk_data.section(t, _routing(api, case_id)),
        desk_data.section(t, _follow_ups_of(api, case_id)),
        desk_data.section(t, desk_data.offers(api, agent_id(user))),
    )
    await desk_data.mark_seen(
        state, user_id=user.user.id, case_id=case_id, seen_at=latest_customer_message_at(case.get("messages") or [])
    )
    labels = Labels(t)
    context = {
        **shared_context(t),
        "case": case,
        "messages": [_message_view(m) for m in case.get("messages") or [] if isinstance(m, dict)],
        "customer": customer.items[0] if customer.items else None,
        "customer_error": customer.error,
        "routing_error": routing.error,
        "lines": timeline_lines(case.get("timeline") or [], routing.items, t=t, labels=labels),
        "clocks": [c for c in (case.get("sla") or {}).get("clocks") or [] if isinstance(c, dict)],
        "counting": COUNTING,
        "follow_ups": follow_ups,
        "offers": offers,
        "actions": ACTIONS.get(str(case.get("status")), ()),
        "categories": CATEGORIES,
        "priorities": PRIORITIES,
        "notice": notice,
        "action_error": action_error,
    }
    return await state.pages.render(request, "case.html", context, status=status)


async def _not_yet_or_not_yours(request: Request, user: CurrentUser, api: Api, case_id: str, t: Translator) -> Response:
    """A case the router has just assigned to the agent (the case service will say so in a moment), or none."""
    state = console_state(request)
    try:
        held = await api.get(Service.ROUTER, api_path("/v1/agents/{agent_id}/assignments", agent_id=agent_id(user)))
    except ServiceError as error:
        message = describe_service_error(error, t)
        return await state.pages.render(request, "error.html", {"message": message}, status=404)
    if any(item.get("case_id") == case_id for item in (held or {}).get("items", []) if isinstance(item, dict)):
        return await state.pages.render(request, "case_pending.html", {"case_id": case_id})
    return await state.pages.render(request, "error.html", {"message": t("casepage.not_yours")}, status=404)


async def _customer(api: Api, case: dict[str, Any]) -> desk_data.Section:
    path = api_path("/v1/customers/{customer_id}", customer_id=str(case.get("customer_id") or ""))
    return desk_data.Section(items=[await api.get(Service.CASES, path)])


async def _routing(api: Api, case_id: str) -> desk_data.Section:
    answer = await api.get(Service.ROUTER, api_path("/v1/cases/{case_id}/routing", case_id=case_id))
    return desk_data.Section(items=[d for d in (answer or {}).get("decisions", []) if isinstance(d, dict)])


async def _follow_ups_of(api: Api, case_id: str) -> desk_data.Section:
    """The case's follow-ups still to do: due ones first, then those scheduled."""
    due, scheduled = await asyncio.gather(
        desk_data.follow_ups(api, state="due"), desk_data.follow_ups(api, state="scheduled")
    )
    items = [item for item in (*due.items, *scheduled.items) if item.get("case_id") == case_id]
    return desk_data.Section(items=items)


def _message_view(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the page shows it: its HTML (if any) sanitized again here, for an inert sandboxed frame."""
    html = message.get("html")
    safe = sanitize_html(html).html if isinstance(html, str) and html.strip() else ""
    attachments = [
        str(a.get("name") or a.get("filename") or "") for a in message.get("attachments") or [] if isinstance(a, dict)
    ]
    return {**message, "safe_html": safe, "attachment_names": [name for name in attachments if name]}
