"""Bearer-key authentication: keys are compared by their SHA-256, so settings never hold a usable key."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request

from shared.problems import Problem
from shared.settings import hash_api_key


def require_api_key(accepted_hashes: frozenset[str]) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A FastAPI dependency that refuses requests without `Authorization: Bearer <key>` for an accepted key."""

    async def check(request: Request) -> None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthorized("Send Authorization: Bearer <api key>.")
        presented = hash_api_key(key.strip())
        if not any(hmac.compare_digest(presented, accepted) for accepted in accepted_hashes):
            raise _unauthorized("The API key is not valid.")

    return check


def _unauthorized(detail: str) -> Problem:
    problem = Problem(401, "unauthorized", "Authentication required", detail)
    problem.headers["WWW-Authenticate"] = 'Bearer realm="complaints"'
    return problem
