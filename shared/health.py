"""`/healthz` (the process is alive) and `/readyz` (its dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[None]]


def health_router(checks: Callable[[], Mapping[str, Check]]) -> APIRouter:
    """`checks` is called per request (the app's state is built in its lifespan) and maps a name to a probe."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, probe in checks().items():
            try:
                await asyncio.wait_for(probe(), timeout=5)
                results[name] = "ok"
            except Exception as error:  # a probe's failure is the answer, not an error
                results[name] = f"failing: {type(error).__name__}: {error}"[:300]
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503)

    return router
