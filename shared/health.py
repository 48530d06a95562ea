"""`/healthz` (the process is alive) and `/readyz` (its dependencies answer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.redaction import describe_error

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]
PROBE_TIMEOUT_S = 5


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
            results[name] = await _probe(name, probe)
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503)

    return router


async def _probe(name: str, probe: Check) -> str:
    """`ok`, or a generic reason: the answer is public, so what went wrong (which may name hosts, users or paths)
    goes to the log only, as its type and the names shared.redaction allows."""
    try:
        await asyncio.wait_for(probe(), timeout=PROBE_TIMEOUT_S)
    except TimeoutError:
        log.warning("readiness check %s did not answer within %d s", name, PROBE_TIMEOUT_S)
        return "failing: no answer in time"
    except Exception as error:  # a probe's failure is the answer, not an error
        log.warning("readiness check %s failed: %s", name, describe_error(error))
        return "failing: not reachable or refused"
    return "ok"
