"""ASGI middleware shared by every HTTP service: body size limit, control characters in URLs, correlation ids."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import correlation_scope
from shared.problems import PROBLEM_BASE, PROBLEM_JSON

CORRELATION_HEADER = b"x-correlation-id"


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive callable that hands out `messages` first, then defers to the real one (for disconnects)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class BodySizeLimit:
    """Answer 413 (problem+json) for a request body over `max_bytes`, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        # Read the body up front (it is bounded) so the limit holds for streamed bodies too.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body_message: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body_message], receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await _send_problem(
            send,
            status=413,
            kind="payload-too-large",
            title="Request body too large",
            detail=f"The body must be at most {self.max_bytes} bytes.",
            instance=scope.get("path", ""),
        )


_CONTROL_BYTE = re.compile(rb"[\x00-\x1f\x7f]")


class UrlControlCharacters:
    """Answer 400 (problem+json) for a path or query with a control character (`%00` and the like): no id, filter
    or search term has one, and PostgreSQL refuses a NUL outright (a 500 when it reached a query)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_control_character(scope):
            await _send_problem(
                send,
                status=400,
                kind="invalid-url",
                title="Invalid characters in the URL",
                detail="The path and query must not contain control characters.",
            )
            return
        await self.app(scope, receive, send)


def _has_control_character(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    query = unquote_to_bytes(bytes(scope.get("query_string", b"")))
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path) or _CONTROL_BYTE.search(query) is not None


async def _send_problem(
    send: Send, *, status: int, kind: str, title: str, detail: str, instance: str | None = None
) -> None:
    problem: dict[str, Any] = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    if instance is not None:
        problem["instance"] = instance
    body = json.dumps(problem).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CorrelationId:
    """Take `X-Correlation-ID` from the request (or make one), make it current, and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(CORRELATION_HEADER, b"").decode("latin-1")[:100] or None
        with correlation_scope(incoming) as correlation_id:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers: list[Any] = list(message.get("headers", []))
                    headers.append((CORRELATION_HEADER, correlation_id.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_id)
