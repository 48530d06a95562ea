"""What every fake provider server shares: an aiohttp app answering POSTs (and GETs) on a free localhost port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from aiohttp import web

from tests.support.broker import free_port

PostHandler = Callable[[web.Request], Awaitable[web.Response]]


@asynccontextmanager
async def serving_posts(
    routes: Mapping[str, PostHandler], gets: Mapping[str, PostHandler] | None = None
) -> AsyncIterator[int]:
    """Answer POSTs on each route (aiohttp patterns), and GETs on `gets`, on the running event loop; yields the
    port."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    for path, handler in routes.items():
        app.router.add_post(path, handler)
    for path, handler in (gets or {}).items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield port
    finally:
        await runner.cleanup()
