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
from shared.tokens import AUDIENCE, MAX_LIFETIME, TokenError, TokenExpired, issue_token, verify_token

KEY = "unit-test-signing-key-long-enough-for-HS512-too-7Qx2Lp9vRt4WmZs8Kd3N"  # so PyJWT does not warn on HS512
OTHER_KEY = "another-signing-key-9f3Kq7Vb2Xm5Tz8Lw4Rj"
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
    claims = {
        "iss": "complaint-platform",
        "aud": AUDIENCE,
        "role": "admin",
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + HOUR,
    }
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(TokenError):
        verify_token(KEY, unsigned)
    hs512 = jwt.encode(claims, KEY, algorithm="HS512")
    with pytest.raises(TokenError):
        verify_token(KEY, hs512)


def test_tokens_without_expiry_or_with_inconsistent_roles_are_refused():
    now = datetime.now(UTC)
    base = {"iss": "complaint-platform", "aud": AUDIENCE, "iat": now, "exp": now + HOUR}
    refused = [
        {"iss": "complaint-platform", "aud": AUDIENCE, "iat": now, "role": "admin"},  # no exp
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
    assert "TOKEN_SIGNING_KEY" in message and "32 bytes" in message
    assert "too-short-secret" not in message


def signed(claims: dict[str, object], key: str = KEY) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def admin_claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {"iss": "complaint-platform", "aud": AUDIENCE, "role": "admin", "iat": now}
    claims["exp"] = now + HOUR
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_every_token_is_for_the_platforms_audience() -> None:
    token = issue_token(KEY, principal=AGENT, ttl=HOUR).token
    assert jwt.decode(token, KEY, algorithms=["HS256"], audience=AUDIENCE)["aud"] == AUDIENCE
    assert verify_token(KEY, signed(admin_claims())) == Principal(Role.ADMIN)


@pytest.mark.parametrize("audience", [None, "survey-links", ["survey-links"], [AUDIENCE, "survey-links"], ""])
def test_a_token_without_the_platforms_audience_is_refused(audience: object) -> None:
    claims = admin_claims(aud=audience)
    if audience is None:
        claims.pop("aud", None)
    with pytest.raises(TokenError):
        verify_token(KEY, signed(claims))


def test_a_hundred_year_token_is_refused_however_well_signed() -> None:
    now = datetime.now(UTC)
    with pytest.raises(TokenError, match="longer"):
        verify_token(KEY, signed(admin_claims(iat=now, exp=now + timedelta(days=36_525))))
    with pytest.raises(TokenError, match="longer"):
        verify_token(KEY, signed(admin_claims(iat=now, exp=now + MAX_LIFETIME + timedelta(seconds=1))))
    assert verify_token(KEY, signed(admin_claims(iat=now, exp=now + MAX_LIFETIME))) == Principal(Role.ADMIN)


def test_a_token_without_an_issue_time_or_issued_in_the_future_is_refused() -> None:
    now = datetime.now(UTC)
    no_iat = admin_claims()
    no_iat.pop("iat")
    for claims in [no_iat, admin_claims(iat=now + timedelta(days=365), exp=now + timedelta(days=366))]:
        with pytest.raises(TokenError):
            verify_token(KEY, signed(claims))


def test_no_token_is_issued_for_longer_than_the_cap() -> None:
    with pytest.raises(ValueError, match="at most"):
        issue_token(KEY, principal=AGENT, ttl=MAX_LIFETIME + timedelta(seconds=1))
    issued = issue_token(KEY, principal=AGENT, ttl=MAX_LIFETIME)
    assert verify_token(KEY, issued.token) == AGENT


@pytest.mark.parametrize("weak", ["a" * 32, "abcd" * 8, "CHANGE_ME-to-the-output-of-python-secrets-token_urlsafe-32"])
def test_weak_keys_neither_sign_nor_verify(weak: str) -> None:
    with pytest.raises(ValueError):
        issue_token(weak, principal=AGENT, ttl=HOUR)
    with pytest.raises(ValueError):
        verify_token(weak, signed(admin_claims(), key=KEY))


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
