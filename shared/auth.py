"""Bearer authentication: the admin API key (compared by its SHA-256) or a signed access token carrying a role."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request

from shared.problems import Problem
from shared.settings import ServiceSettings, hash_api_key, parse_key_hashes
from shared.tokens import Principal, Role, TokenError, TokenExpired, looks_like_token, verify_token

__all__ = [
    "Principal",
    "Role",
    "bearer_credential",
    "current_principal",
    "key_matches",
    "parse_key_hashes",
    "require_api_key",
    "require_principal",
    "require_roles",
]

Dependency = Callable[[Request], Coroutine[Any, Any, Principal]]


def require_principal(settings: ServiceSettings) -> Dependency:
    """A FastAPI dependency answering the caller's Principal, or 401 problem+json."""
    accepted_hashes = settings.accepted_key_hashes()
    signing_key = settings.token_signing_key.get_secret_value() if settings.token_signing_key else None

    async def check(request: Request) -> Principal:
        credential = _bearer(request)
        if _is_api_key(credential, accepted_hashes):
            principal = Principal(Role.ADMIN)
        elif not looks_like_token(credential):
            raise _unauthorized("The API key is not valid.")
        elif signing_key is None:
            raise _unauthorized("This service does not accept access tokens: TOKEN_SIGNING_KEY is not set.")
        else:
            principal = _verified(signing_key, credential)
        request.state.principal = principal
        return principal

    return check


def require_roles(settings: ServiceSettings, *roles: Role) -> Dependency:
    """Like require_principal, and 403 problem+json when the caller's role is not one of `roles`."""
    authenticate = require_principal(settings)
    allowed = frozenset(roles)

    async def check(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal.role not in allowed:
            names = ", ".join(sorted(role.value for role in allowed))
            raise Problem(403, "forbidden", "Forbidden", f"This needs one of the roles: {names}.")
        return principal

    return check


def current_principal(request: Request) -> Principal:
    """The principal a router- or app-level auth dependency stored on the request."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise _unauthorized("Send Authorization: Bearer <api key or access token>.")
    return principal


def require_api_key(accepted_hashes: frozenset[str]) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A FastAPI dependency that refuses requests without `Authorization: Bearer <key>` for an accepted key."""

    async def check(request: Request) -> None:
        if not _is_api_key(_bearer(request), accepted_hashes):
            raise _unauthorized("The API key is not valid.")

    return check


def bearer_credential(request: Request) -> str:
    """The credential of `Authorization: Bearer <credential>`, or 401 problem+json."""
    return _bearer(request)


def key_matches(credential: str, accepted_hashes: frozenset[str]) -> bool:
    """Whether `credential` is a key whose SHA-256 is one of `accepted_hashes` (compared in constant time)."""
    return _is_api_key(credential, accepted_hashes)


def _bearer(request: Request) -> str:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise _unauthorized("Send Authorization: Bearer <api key or access token>.")
    return credential.strip()


def _is_api_key(credential: str, accepted_hashes: frozenset[str]) -> bool:
    presented = hash_api_key(credential)
    return any(hmac.compare_digest(presented, accepted) for accepted in accepted_hashes)


def _verified(signing_key: str, token: str) -> Principal:
    try:
        return verify_token(signing_key, token)
    except TokenExpired as error:
        raise _unauthorized(str(error), kind="token-expired", title="Access token expired") from error
    except TokenError as error:
        raise _unauthorized(str(error)) from error


def _unauthorized(detail: str, *, kind: str = "unauthorized", title: str = "Authentication required") -> Problem:
    problem = Problem(401, kind, title, detail)
    problem.headers["WWW-Authenticate"] = 'Bearer realm="complaints"'
    return problem
