"""Live updates for the browser: a console route relays a service's Server-Sent Events stream, opened with the
signed-in user's token, so the browser (EventSource on the console's own origin) never holds a token.

    @router.get("/desk/live")
    async def desk_live(user: CurrentUser, api: UserApi) -> StreamingResponse:
        return relay(api, Service.ROUTER, api_path("/v1/agents/{agent_id}/stream", agent_id=...))

When the service cannot be reached or refuses, the browser gets one `console_error` event (its `data` says why, as
JSON) and the stream ends; EventSource reconnects by itself after `retry` milliseconds.

With `announce_ready`, a `console_ready` event follows the service's first complete message (its greeting, sent
once it listens): from then on nothing is missed, so a page re-reads then what may have changed before.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

from services.console.services_client import Api, Service, ServiceError

RETRY_MS = 3000


READY = b"event: console_ready\ndata: {}\n\n"


def relay(api: Api, service: Service, path: str, *, announce_ready: bool = False) -> StreamingResponse:
    return StreamingResponse(
        _relayed(api, service, path, announce_ready=announce_ready),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _relayed(api: Api, service: Service, path: str, *, announce_ready: bool) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    try:
        async with api.stream(service, path) as chunks:
            waiting = announce_ready
            async for chunk in chunks:
                yield chunk
                if waiting and chunk.endswith(b"\n\n"):  # between two messages: an event of ours fits here
                    waiting = False
                    yield READY
    except ServiceError as error:
        data = json.dumps({"service": error.service.value, "kind": error.kind, "status": error.status})
        yield f"event: console_error\ndata: {data}\n\n".encode()
