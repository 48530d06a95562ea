"""Signed access tokens (JWT, HS256 via PyJWT): who is calling, in which role and, for agents, as which agent.

Every token names the platform's API as its audience and lives at most MAX_LIFETIME; a token without `aud`, `iat` or
`exp`, for another audience, or signed for longer than that is refused however valid its signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from shared.key_strength import weakness

ALGORITHM = "HS256"
ISSUER = "complaint-platform"
# One audience for the whole API: the console holds one token for every service, and every service that verifies
# tokens holds the same key, so a per-service audience would not stop a service from minting tokens for another.
# What the audience does stop: any other JWT signed with this key (a future survey or download link) being
# accepted as an access token.
AUDIENCE = "complaint-platform"
MAX_LIFETIME = timedelta(days=30)
# Claims a token must carry; PyJWT refuses the token when any is missing.
REQUIRED_CLAIMS = ["aud", "exp", "iat", "iss", "role"]


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    role: Role
    agent_id: str | None = None  # set iff role is agent
    subject: str | None = None  # who the token was issued to (free text), None for the API key

    def __post_init__(self) -> None:
        if (self.role is Role.AGENT) != bool(self.agent_id):
            raise ValueError("agent_id is required for the agent role and only for it")

    @property
    def sees_all(self) -> bool:
        """Admins and supervisors see every agent's work; an agent sees only its own."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR)


class TokenError(Exception):
    """A presented token cannot be trusted; the message is safe to show to the caller."""


class TokenExpired(TokenError):
    pass


@dataclass(frozen=True)
class IssuedToken:
    token: str
    principal: Principal
    expires_at: datetime


def issue_token(signing_key: str, *, principal: Principal, ttl: timedelta, now: datetime | None = None) -> IssuedToken:
    """Sign a token for `principal`, valid for `ttl` (at most MAX_LIFETIME) from `now`."""
    _check_key(signing_key)
    if ttl > MAX_LIFETIME:
        raise ValueError(f"an access token lives at most {MAX_LIFETIME.total_seconds():.0f} seconds")
    issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
    expires_at = issued_at + ttl
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued_at,
        "exp": expires_at,
        "role": principal.role.value,
    }
    if principal.agent_id is not None:
        claims["agent_id"] = principal.agent_id
    if principal.subject is not None:
        claims["sub"] = principal.subject
    token = jwt.encode(claims, signing_key, algorithm=ALGORITHM)
    return IssuedToken(token=token, principal=principal, expires_at=expires_at)


def verify_token(signing_key: str, token: str) -> Principal:
    """The principal a token was issued to; raises TokenExpired or TokenError when it cannot be trusted."""
    _check_key(signing_key)
    try:
        # `algorithms` is a fixed list, so `alg: none` and every other algorithm are refused.
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenExpired("The access token has expired.") from error
    except jwt.InvalidSignatureError as error:
        raise TokenError("The access token's signature is not valid.") from error
    except jwt.InvalidAudienceError as error:
        raise TokenError("The access token is not meant for this platform's API.") from error
    except jwt.PyJWTError as error:
        raise TokenError("The access token is not valid.") from error
    # PyJWT has checked that both are integers (or their string forms).
    if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME.total_seconds():
        raise TokenError(f"The access token lives longer than {MAX_LIFETIME.total_seconds():.0f} seconds.")
    return _principal_from(claims)


def looks_like_token(credential: str) -> bool:
    """JWTs have three dot-separated parts; API keys have none."""
    return credential.count(".") == 2


def _principal_from(claims: dict[str, Any]) -> Principal:
    agent_id = claims.get("agent_id")
    subject = claims.get("sub")
    try:
        role = Role(claims["role"])
        if not (agent_id is None or isinstance(agent_id, str)) or not (subject is None or isinstance(subject, str)):
            raise ValueError("agent_id and sub must be strings")
        return Principal(role=role, agent_id=agent_id, subject=subject)
    except ValueError as error:
        raise TokenError("The access token's role claims are not valid.") from error


def _check_key(signing_key: str) -> None:
    problem = weakness(signing_key)
    if problem is not None:
        raise ValueError(f"the token signing key {problem}")
