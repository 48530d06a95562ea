"""The HTTP edge every service shares: problem+json errors, bearer keys, body limit, correlation ids, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from shared.auth import require_api_key
from shared.logs import current_correlation_id
from shared.problems import Problem
from shared.settings import ServiceSettings, hash_api_key
from shared.webapp import new_app


class Body(BaseModel):
    name: str
    count: int


async def failing_probe() -> None:
    raise ConnectionError("database is down")


async def passing_probe() -> None:
    return None


def build_app(*, database_up: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    settings = ServiceSettings(max_body_bytes=2048, api_key_hashes=hash_api_key("secret-key"))
    app = new_app(
        title="t",
        settings=settings,
        lifespan=lifespan,
        checks=lambda _: {"database": passing_probe if database_up else failing_probe},
    )
    auth = Depends(require_api_key(settings.accepted_key_hashes()))

    @app.post("/things", dependencies=[auth])
    async def create(body: Body) -> dict[str, str | None]:
        return {"correlation_id": current_correlation_id()}

    @app.get("/conflict", dependencies=[auth])
    async def conflict() -> None:
        raise Problem(409, "illegal-transition", "Case cannot move", "resolved -> new is not allowed")

    @app.get("/boom", dependencies=[auth])
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/deadlock", dependencies=[auth])
    async def deadlock() -> None:
        raise OperationalError("UPDATE cases ...", {}, Exception("deadlock detected: secret internals"))

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


AUTH = {"Authorization": "Bearer secret-key"}


async def test_missing_or_wrong_key_is_401_problem(client: httpx.AsyncClient):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic secret-key"}):
        response = await client.post("/things", json={"name": "a", "count": 1}, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


async def test_validation_error_names_the_field(client: httpx.AsyncClient):
    response = await client.post("/things", json={"name": "a", "count": "many"}, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["type"].endswith("/validation-error")
    assert [e["field"] for e in body["errors"]] == ["count"]
    assert "count" in body["detail"]


async def test_body_over_limit_is_413_problem(client: httpx.AsyncClient):
    response = await client.post("/things", content=b"x" * 4096, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["type"].endswith("/payload-too-large")


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 1024

    response = await client.post("/things", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 413


async def test_problem_raised_by_a_route(client: httpx.AsyncClient):
    response = await client.get("/conflict", headers=AUTH)
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://complaints.example/problems/illegal-transition",
        "title": "Case cannot move",
        "status": 409,
        "detail": "resolved -> new is not allowed",
        "instance": "/conflict",
    }


async def test_unexpected_error_is_a_problem_without_internals(client: httpx.AsyncClient):
    response = await client.get("/boom", headers=AUTH)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text


async def test_a_database_refusing_for_a_passing_reason_is_503_to_send_again(client: httpx.AsyncClient):
    response = await client.get("/deadlock", headers=AUTH)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/database-busy")
    assert "secret internals" not in response.text


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient):
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_correlation_id_is_taken_from_the_request_and_echoed(client: httpx.AsyncClient):
    response = await client.post(
        "/things", json={"name": "a", "count": 1}, headers={**AUTH, "X-Correlation-ID": "req-42"}
    )
    assert response.json() == {"correlation_id": "req-42"}
    assert response.headers["x-correlation-id"] == "req-42"
    generated = await client.post("/things", json={"name": "a", "count": 1}, headers=AUTH)
    assert len(generated.headers["x-correlation-id"]) == 32


async def test_health_needs_no_key_and_readiness_reports_each_check():
    ok_app, down_app = build_app(), build_app(database_up=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=ok_app), base_url="http://t") as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down_app), base_url="http://t") as client:
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"] == {"database": "failing: not reachable or refused"}
        assert "database is down" not in not_ready.text
