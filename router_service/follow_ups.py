"""A follow-up falling due (case.follow_up_due.v1): the agent sees the check-back task on their live stream."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from router_service.broadcast import notify
from shared.cloudevents import CloudEvent
from shared.events import CaseFollowUpDue

log = logging.getLogger(__name__)

FOLLOW_UP = "follow_up"  # the Server-Sent Events event name


async def on_follow_up_due(session: AsyncSession, event: CloudEvent, data: CaseFollowUpDue) -> None:
    """A `follow_up` notice for the agent, published when this transaction commits (nothing to store: case_service
    keeps the task; an agent not connected reads it from its follow-up list)."""
    if not data.agent_id:
        log.info("follow-up %s of case %s is due and has no agent to tell", data.follow_up_id, data.case_id)
        return
    notice = {
        "follow_up_id": data.follow_up_id,
        "case_id": data.case_id,
        "case_reference": data.case_reference,
        "due_at": data.due_at.isoformat(),
    }
    notify(session, data.agent_id, FOLLOW_UP, notice)
