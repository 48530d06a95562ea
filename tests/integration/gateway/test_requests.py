"""What POST /v1/messages answers to each kind of request, with the broker down (nothing here needs it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import repository
from services.gateway.housekeeping import KeySweeper
from services.gateway.intake import Intake
from services.gateway.models import IdempotencyKey, outbox
from services.gateway.schemas import MessageRequest
from tests.integration.gateway.support import gateway_settings, running_gateway

MESSAGE = {"channel": "email", "sender_address": "Lan@Example.com", "text": "Máy giặt hỏng sau hai ngày"}
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
async def gateway(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_gateway(gateway_settings(migrated_url, closed_bootstrap)) as running:
        yield running


async def outbox_rows(app: FastAPI) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_missing_idempotency_key_is_refused(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    response = await client.post("/v1/messages", json=MESSAGE)
    assert response.status_code == 400
    assert problem_type(response) == "idempotency-key-missing"
    too_long = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400
    assert problem_type(too_long) == "idempotency-key-invalid"
    assert await outbox_rows(app) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in MESSAGE.items() if k != "text"}, "text"),
        ({k: v for k, v in MESSAGE.items() if k != "sender_address"}, "sender_address"),
        ({**MESSAGE, "text": ""}, "text"),
        ({**MESSAGE, "channel": "pigeon"}, "channel"),
        ({**MESSAGE, "sender_adress": "typo@example.com"}, "sender_adress"),
        ({**MESSAGE, "language": "Vietnamese please"}, "language"),
    ],
)
async def test_invalid_fields_are_named(
    gateway: tuple[FastAPI, httpx.AsyncClient], body: dict[str, str], field: str
) -> None:
    app, client = gateway
    response = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert field in [error["field"] for error in response.json()["errors"]]
    assert field in response.json()["detail"]
    assert await outbox_rows(app) == 0


async def test_invalid_json_is_refused(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = gateway
    response = await client.post(
        "/v1/messages",
        content=b'{"channel": "email",',
        headers={"Idempotency-Key": "k-1", "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert problem_type(response) == "validation-error"


async def test_requests_without_a_valid_api_key_are_refused(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    anonymous = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1", "Authorization": ""})
    wrong = await client.post(
        "/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1", "Authorization": "Bearer not-the-key"}
    )
    for response in (anonymous, wrong):
        assert response.status_code == 401
        assert problem_type(response) == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get("/v1/deadletters", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert await outbox_rows(app) == 0


async def test_a_body_over_the_limit_is_refused(migrated_url: str, closed_bootstrap: str) -> None:
    settings = gateway_settings(migrated_url, closed_bootstrap).model_copy(update={"max_body_bytes": 65_536})
    async with running_gateway(settings) as (app, client):
        huge = {**MESSAGE, "text": "x" * 65_536}
        response = await client.post("/v1/messages", json=huge, headers={"Idempotency-Key": "k-1"})
        assert response.status_code == 413
        assert problem_type(response) == "payload-too-large"
        assert await outbox_rows(app) == 0


async def test_complaint_is_accepted_while_the_broker_is_down(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    response = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 202
    async with app.state.runtime.sessions() as session:
        pending = (await session.execute(select(outbox.c.event_id, outbox.c.key, outbox.c.published_at))).all()
    assert [tuple(row) for row in pending] == [(response.json()["event_id"], "lan@example.com", None)]
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("failing")
    assert ready.json()["checks"]["database"] == "ok"


async def test_same_key_with_another_body_is_refused(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    first = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    other = await client.post(
        "/v1/messages", json={**MESSAGE, "text": "something else"}, headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == 202
    assert other.status_code == 422
    assert problem_type(other) == "idempotency-key-reused"
    assert await outbox_rows(app) == 1


async def test_concurrent_requests_with_one_key_make_one_event(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    responses = await asyncio.gather(
        *(client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "same"}) for _ in range(6))
    )
    assert {response.status_code for response in responses} == {202}
    assert len({response.json()["event_id"] for response in responses}) == 1
    assert sum("Idempotent-Replayed" in response.headers for response in responses) == 5
    assert await outbox_rows(app) == 1


async def test_a_key_past_its_retention_names_a_new_message(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    first = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    intake: Intake = app.state.intake
    later = datetime.now(UTC) + timedelta(hours=25)
    reused = await intake.accept(MessageRequest.model_validate(MESSAGE), idempotency_key="k-1", now=later)
    assert not reused.replayed
    assert reused.event_id != first.json()["event_id"]
    assert await outbox_rows(app) == 2


async def test_sweeper_forgets_only_expired_keys(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    sweeper = KeySweeper(sessions=app.state.runtime.sessions, retention=timedelta(hours=24))
    assert await sweeper.sweep(now=datetime.now(UTC)) == 0
    assert await sweeper.sweep(now=datetime.now(UTC) + timedelta(hours=25)) == 1
    again = await client.post(
        "/v1/messages", json={**MESSAGE, "text": "a new message"}, headers={"Idempotency-Key": "k-1"}
    )
    assert again.status_code == 202
    assert "Idempotent-Replayed" not in again.headers


async def test_a_request_that_loses_the_race_for_its_key_answers_as_a_repeat(
    gateway: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = gateway
    first = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    # As if the other request committed between this one's read and its insert: the read misses once.
    real_find = repository.find_idempotency_key
    misses = [True]

    async def find_after_a_miss(session: AsyncSession, *, key: str) -> IdempotencyKey | None:
        return None if misses and misses.pop() else await real_find(session, key=key)

    monkeypatch.setattr(repository, "find_idempotency_key", find_after_a_miss)
    repeat = await client.post("/v1/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    assert repeat.status_code == 202
    assert repeat.json()["event_id"] == first.json()["event_id"]
    assert repeat.headers["Idempotent-Replayed"] == "true"
    misses.append(True)
    other = await client.post("/v1/messages", json={**MESSAGE, "text": "other"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert await outbox_rows(app) == 1
