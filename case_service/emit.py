"""Announcing a change: the event goes to the outbox in the caller's transaction, keyed by case id."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_service.models import outbox
from case_service.settings import SERVICE_NAME
from shared import topics
from shared.cloudevents import CloudEvent, EventData, new_event
from shared.outbox import enqueue


async def emit(
    session: AsyncSession,
    data: EventData,
    *,
    case_id: str,
    cause: CloudEvent | None = None,
    topic: str = topics.CASES_EVENTS,
    tenant: str = "default",
) -> None:
    """Write `data` to the outbox; an event caused by another one keeps its correlation id, tenant and trace."""
    envelope = new_event(
        data,
        source=SERVICE_NAME,
        subject=case_id,
        correlation_id=(cause.correlationid or cause.id) if cause is not None else None,
        tenant=cause.tenant if cause is not None else tenant,
        traceparent=cause.traceparent if cause is not None else None,
    )
    await enqueue(session, outbox, topic=topic, key=case_id, event=envelope)
