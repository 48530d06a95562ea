"""The live stream: Server-Sent Events about the caller's cases (an agent's own; staff: all, and alerts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from case_service.api.deps import Caller
from case_service.live import Broadcaster, sse
from case_service.settings import CaseServiceSettings
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["stream"])

CONNECTED = ": connected\n\n"
PING = ": ping\n\n"
DROPPED = ": dropped: this stream fell too far behind; reconnect and read again\n\n"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events."}},
)
async def stream(request: Request, caller: Caller) -> StreamingResponse:
    """What happens to the caller's cases as this instance commits it. Events (JSON data):
    `message.added` {case_id, message_id, channel, direction (inbound|outbound), author (customer|agent|system),
    preview (the first 200 characters), occurred_at}; `delivery.updated` {case_id, message_id, status, occurred_at};
    `sla.at_risk` and `sla.breached` {case_id, clock, due_at}; `case.updated` {case_id, status, assignee_agent_id}
    (status, assignee, category or priority changed); for supervisors and admins also `alert.raised` and
    `alert.updated` (the alert as `GET /v1/alerts` shows it). An agent hears only of the cases assigned to them. A
    `: ping` comment comes every 15 s (CASE_SERVICE_STREAM_HEARTBEAT_SECONDS); a listener too far behind is told
    so in a comment and its stream ends. After reconnecting, read the cases again for what was missed."""
    broadcaster = cast(Broadcaster, request.app.state.broadcaster)
    settings = cast(CaseServiceSettings, cast(ServiceRuntime, request.app.state.runtime).settings)
    heartbeat = settings.stream_heartbeat_seconds
    scope = None if caller.sees_all else caller.agent_id

    async def events() -> AsyncIterator[str]:
        async with broadcaster.subscribe(scope) as listener:
            yield CONNECTED
            while True:
                try:
                    async with asyncio.timeout(heartbeat):
                        notice = await listener.queue.get()
                except TimeoutError:
                    yield PING
                    continue
                if notice is None:
                    yield DROPPED
                    return
                yield sse(notice)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
