"""Signed access tokens: what verifies, what is refused, and how a service's auth dependency answers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI
from pydantic import ValidationError

from shared.auth import Principal, Role, current_principal, require_principal, require_roles
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings, describe_validation_error, hash_api_key
from shared.tokens import TokenError, TokenExpired, issue_token, verify_token

KEY = "k" * 64  # long enough for HS512 too, so PyJWT does not warn when the test signs with it
OTHER_KEY = "o" * 40
API_KEY = "admin-key-0123456789abcdef"
AGENT = Principal(Role.AGENT, agent_id="lan", subject="Lan at the Hanoi desk")
HOUR = timedelta(hours=1)
Caller = Annotated[Principal, Depends(current_principal)]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_verifies_to_the_principal_it_was_issued_for():
    issued = issue_token(KEY, principal=AGENT, ttl=HOUR)
    assert verify_token(KEY, issued.token) == AGENT
    assert issued.expires_at - datetime.now(UTC) <= HOUR
    supervisor = issue_token(KEY, principal=Principal(Role.SUPERVISOR), ttl=HOUR)
    assert verify_token(KEY, supervisor.token) == Principal(Role.SUPERVISOR)
    assert not AGENT.sees_all and Principal(Role.SUPERVISOR).sees_all and Principal(Role.ADMIN).sees_all


def test_an_expired_token_is_refused_as_expired():
    issued = issue_token(KEY, principal=AGENT, ttl=HOUR, now=datetime.now(UTC) - 2 * HOUR)
    with pytest.raises(TokenExpired):
        verify_token(KEY, issued.token)


def test_a_token_signed_with_another_key_is_refused():
    issued = issue_token(OTHER_KEY, principal=AGENT, ttl=HOUR)
    with pytest.raises(TokenError, match="signature"):
        verify_token(KEY, issued.token)


def test_a_tampered_token_is_refused():
    header, payload, signature = issue_token(KEY, principal=AGENT, ttl=HOUR).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["agent_id"] = "minh"
    with pytest.raises(TokenError):
        verify_token(KEY, f"{header}.{b64(json.dumps(claims).encode())}.{signature}")


def test_alg_none_and_other_algorithms_are_refused():
    claims = {"iss": "complaint-platform", "role": "admin", "iat": datetime.now(UTC), "exp": datetime.now(UTC) + HOUR}
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(TokenError):
        verify_token(KEY, unsigned)
    hs512 = jwt.encode(claims, KEY, algorithm="HS512")
    with pytest.raises(TokenError):
        verify_token(KEY, hs512)


def test_tokens_without_expiry_or_with_inconsistent_roles_are_refused():
    now = datetime.now(UTC)
    base = {"iss": "complaint-platform", "iat": now, "exp": now + HOUR}
    refused = [
        {"iss": "complaint-platform", "iat": now, "role": "admin"},  # no exp
        {**base, "role": "agent"},  # agent without agent_id
        {**base, "role": "supervisor", "agent_id": "lan"},  # agent_id on another role
        {**base, "role": "owner"},
    ]
    for claims in refused:
        with pytest.raises(TokenError):
            verify_token(KEY, jwt.encode(claims, KEY, algorithm="HS256"))


def test_an_agent_principal_needs_its_agent_id():
    with pytest.raises(ValueError):
        Principal(Role.AGENT)
    with pytest.raises(ValueError):
        Principal(Role.ADMIN, agent_id="lan")


def test_a_short_signing_key_is_refused_without_showing_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TOKEN_SIGNING_KEY", "too-short-secret")
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(_env_file=None)  # type: ignore[call-arg]
    message = describe_validation_error(caught.value, "EXAMPLE_")
    assert "TOKEN_SIGNING_KEY" in message and "32 characters" in message
    assert "too-short-secret" not in message


def settings(signing_key: str | None) -> ServiceSettings:
    return ServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        api_key_hashes=hash_api_key(API_KEY),
        token_signing_key=signing_key,
    )


def app_for(service_settings: ServiceSettings) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/whoami", dependencies=[Depends(require_principal(service_settings))])
    async def whoami(principal: Caller) -> dict[str, str | None]:
        return {"role": principal.role.value, "agent_id": principal.agent_id}

    @app.get("/staff", dependencies=[Depends(require_roles(service_settings, Role.ADMIN, Role.SUPERVISOR))])
    async def staff() -> dict[str, bool]:
        return {"ok": True}

    return app


async def call(app: FastAPI, path: str, credential: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {credential}"} if credential is not None else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path, headers=headers)


def problem_kind(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_the_dependency_accepts_the_admin_key_and_tokens_and_checks_roles():
    app = app_for(settings(KEY))
    assert (await call(app, "/whoami", API_KEY)).json() == {"role": "admin", "agent_id": None}
    agent_token = issue_token(KEY, principal=AGENT, ttl=HOUR).token
    assert (await call(app, "/whoami", agent_token)).json() == {"role": "agent", "agent_id": "lan"}

    forbidden = await call(app, "/staff", agent_token)
    assert forbidden.status_code == 403 and problem_kind(forbidden) == "forbidden"
    supervisor_token = issue_token(KEY, principal=Principal(Role.SUPERVISOR), ttl=HOUR).token
    assert (await call(app, "/staff", supervisor_token)).status_code == 200


async def test_the_dependency_refuses_with_401_problems():
    app = app_for(settings(KEY))
    expired = issue_token(KEY, principal=AGENT, ttl=HOUR, now=datetime.now(UTC) - 2 * HOUR).token
    for credential, kind in [
        (None, "unauthorized"),
        ("not-the-key", "unauthorized"),
        ("a.b.c", "unauthorized"),
        (issue_token(OTHER_KEY, principal=AGENT, ttl=HOUR).token, "unauthorized"),
        (expired, "token-expired"),
    ]:
        response = await call(app, "/whoami", credential)
        assert response.status_code == 401, credential
        assert problem_kind(response) == kind
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_service_without_a_signing_key_refuses_tokens_but_not_the_admin_key():
    app = app_for(settings(None))
    refused = await call(app, "/whoami", issue_token(KEY, principal=AGENT, ttl=HOUR).token)
    assert refused.status_code == 401 and "TOKEN_SIGNING_KEY" in refused.json()["detail"]
    assert (await call(app, "/whoami", API_KEY)).status_code == 200
