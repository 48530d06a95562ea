"""What the desk reads from the services as the signed-in agent, one section at a time. A section that cannot be read
says why in words and leaves the rest of the page working (a desk without offers still lists the agent's cases)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.console import repository
from services.console.errors import describe_service_error
from services.console.i18n import Translator
from services.console.screens.desk_views import CaseFilters, is_unread, seen_key
from services.console.services_client import Api, Service, ServiceError, api_path
from services.console.state import ConsoleState

MAX_OFFERS = 20


@dataclass(frozen=True)
class Section:
    """Items read for a part of a page, or the sentence saying why they could not be."""

    items: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    next_cursor: str = ""


async def section(t: Translator, read: Awaitable[Section]) -> Section:
    try:
        return await read
    except ServiceError as error:
        return Section(error=describe_service_error(error, t))


async def offers(api: Api, agent_id: str) -> Section:
    """The agent's pending offers, each with the case as routed and who the customer is to this agent."""
    answer = await api.get(Service.ROUTER, api_path("/v1/agents/{agent_id}/offers", agent_id=agent_id))
    items = [item for item in (answer or {}).get("items", [])[:MAX_OFFERS] if isinstance(item, dict)]
    known = await asyncio.gather(*(_customer_known(api, item) for item in items))
    return Section(items=[{**item, "customer": customer} for item, customer in zip(items, known, strict=True)])


async def _customer_known(api: Api, offer: dict[str, Any]) -> dict[str, Any] | None:
    """The customer as this agent knows them (a returning customer of theirs), or None: new to this agent."""
    customer_id = (offer.get("case") or {}).get("customer_id")
    if not customer_id:
        return None
    try:
        found = await api.get(Service.CASES, api_path("/v1/customers/{customer_id}", customer_id=customer_id))
    except ServiceError as error:
        if error.not_found:
            return None
        raise
    return {"name": found.get("display_name"), "cases": len(found.get("cases") or [])}


async def my_cases(api: Api, state: ConsoleState, *, user_id: int, filters: CaseFilters) -> Section:
    """The agent's cases (newest first) as the case service lists them, each marked unread or not."""
    answer = await api.get(Service.CASES, "/v1/cases", params=filters.params())
    items = [item for item in (answer or {}).get("items", []) if isinstance(item, dict)]
    async with state.db() as session:
        seen = await repository.get_preferences_for(
            session, user_id=user_id, keys=[seen_key(str(item.get("id"))) for item in items]
        )
    for item in items:
        item["unread"] = is_unread(item.get("last_customer_message_at"), seen.get(seen_key(str(item.get("id")))))
    return Section(items=items, next_cursor=str((answer or {}).get("next_cursor") or ""))


async def follow_ups(api: Api, *, state: str = "due") -> Section:
    answer = await api.get(Service.CASES, "/v1/follow-ups", params={"state": state})
    return Section(items=[item for item in (answer or {}).get("items", []) if isinstance(item, dict)])


async def mark_seen(state: ConsoleState, *, user_id: int, case_id: str, seen_at: str | None) -> None:
    """Remember up to when the agent has read the case's customer messages (for the unread marker)."""
    value = seen_at or datetime.now(UTC).isoformat()
    try:
        async with state.db() as session, session.begin():
            await repository.put_preference(
                session, user_id=user_id, key=seen_key(case_id), value=value, now=datetime.now(UTC)
            )
    except IntegrityError:
        pass  # the same case opened twice at once: the other page's write stands, with the same time
