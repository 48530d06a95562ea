"""The HTTP API over the running service (real broker, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from router_service import domain
from shared.events import Channel, Priority
from tests.integration.router_service.helpers import AGENT, read_assignments, route

PROBLEM_JSON = "application/problem+json"


def sessions_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = app.state.runtime.sessions
    return sessions


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_requests_without_a_valid_key_are_refused(client: httpx.AsyncClient):
    anonymous = await client.get("/v1/agents", headers={"Authorization": ""})
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await client.put("/v1/agents/lan", json=AGENT, headers={"Authorization": "Bearer wrong"}), 401)
    assert_problem(await client.get("/v1/queue", headers={"Authorization": "Basic abc"}), 401)
    assert (await client.get("/healthz", headers={"Authorization": ""})).status_code == 200


async def test_an_agent_is_created_then_replaced_keeping_its_presence(client: httpx.AsyncClient):
    created = await client.put("/v1/agents/lan", json=AGENT)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["skills"] == {"billing": 2, "delivery": 3}
    assert agent["languages"] == ["vi", "en"]
    assert agent["channels"] == [channel.value for channel in Channel]
    assert (agent["presence"], agent["active_cases"]) == ("offline", 0)

    await client.put("/v1/agents/lan/presence", json={"presence": "available"})
    replaced = await client.put("/v1/agents/lan", json={**AGENT, "capacity": 4, "channels": ["email"]})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["capacity"], replaced.json()["channels"]) == ({"email": 4}, ["email"])
    assert (replaced.json()["max_total"], replaced.json()["load"]) == (4, {"email": 0})
    assert replaced.json()["presence"] == "available"
    fetched = (await client.get("/v1/agents/lan")).json()
    assert fetched == replaced.json()

    await client.put("/v1/agents/minh", json={**AGENT, "skills": {"delivery": 1}, "presence": "away"})
    listed = await client.get("/v1/agents")
    assert [a["id"] for a in listed.json()["items"]] == ["lan", "minh"]
    available = await client.get("/v1/agents", params={"presence": "available"})
    assert [a["id"] for a in available.json()["items"]] == ["lan"]
    billing = await client.get("/v1/agents", params={"skill": "BILLING"})
    assert [a["id"] for a in billing.json()["items"]] == ["lan"]


async def test_invalid_input_is_refused_naming_the_fields(client: httpx.AsyncClient):
    invalid = {**AGENT, "skills": {"billing": 5, "delivery": 0}, "channels": ["email", "pigeon"], "capacity": 0}
    body = assert_problem(await client.put("/v1/agents/lan", json=invalid), 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"skills.billing", "skills.delivery", "channels.1", "capacity"}
    assert "capacity" in body["detail"]

    missing = assert_problem(await client.put("/v1/agents/lan", json={"name": "Lan"}), 422)
    assert {"skills", "languages", "capacity"} <= {error["field"] for error in missing["errors"]}
    presence = assert_problem(await client.put("/v1/agents/lan/presence", json={"presence": "asleep"}), 422)
    assert [error["field"] for error in presence["errors"]] == ["presence"]
    assert_problem(await client.get("/v1/agents", params={"presence": "asleep"}), 422)
    assert (await client.get("/v1/agents/lan")).status_code == 404, "nothing was stored"


async def test_unknown_agents_and_cases_are_not_found(client: httpx.AsyncClient):
    assert_problem(await client.get("/v1/agents/nobody"), 404)
    assert_problem(await client.get("/v1/agents/nobody/assignments"), 404)
    assert_problem(await client.put("/v1/agents/nobody/presence", json={"presence": "available"}), 404)
    assert_problem(await client.get("/v1/cases/unknown-case/routing"), 404)


async def test_a_queued_case_is_assigned_when_its_agent_becomes_available(
    app: FastAPI, client: httpx.AsyncClient, broker: str
):
    await client.put("/v1/agents/lan", json=AGENT)  # offline
    sessions = sessions_of(app)
    await route(sessions, "normal-case")
    await route(sessions, "urgent-case", priority=Priority.URGENT, language=None)
    await route(sessions, "vip-case", priority=Priority.URGENT, category="escalation")

    queue = (await client.get("/v1/queue")).json()["items"]
    assert [(w["position"], w["case_id"]) for w in queue] == [(1, "urgent-case"), (2, "vip-case"), (3, "normal-case")]
    assert queue[0]["requirement"] == {"skill": "billing", "min_level": 3, "language": None, "channel": "email"}
    assert (queue[0]["reserved_for"], queue[0]["reserved_until"]) == (None, None)
    assert all(w["waiting_s"] >= 0 for w in queue)

    # Urgent needs level 3 in billing and Lan has 2: raising her level and bringing her online drains the queue.
    await client.put("/v1/agents/lan", json={**AGENT, "skills": {"billing": 3}})
    became = await client.put("/v1/agents/lan/presence", json={"presence": "available"})
    assert became.json()["active_cases"] == 2
    assert became.json()["load"]["email"] == 2, "the answer shows what the drain just took"

    assignments = (await client.get("/v1/agents/lan/assignments")).json()["items"]
    assert [a["case_id"] for a in assignments] == ["normal-case", "urgent-case"], "newest first"
    assert assignments[0]["case_reference"] == "REF-normal-case" and assignments[0]["subject"]
    assert [w["case_id"] for w in (await client.get("/v1/queue")).json()["items"]] == ["vip-case"]

    routing = (await client.get("/v1/cases/urgent-case/routing")).json()
    assert [(d["outcome"], d["trigger"]) for d in routing["decisions"]] == [
        ("queued", "case_opened"),
        ("assigned", "queue_drain"),
    ]
    assert routing["decisions"][0]["candidates"][0]["reasons"] == [domain.NOT_AVAILABLE, domain.LEVEL_BELOW_MINIMUM]

    announced = await read_assignments(broker, expected=2)
    assert {(a.case_id, a.agent_id) for a in announced} == {("normal-case", "lan"), ("urgent-case", "lan")}


async def test_an_agent_can_be_a_supervisor_with_working_hours(client: httpx.AsyncClient):
    schedule = {"timezone": "Asia/Ho_Chi_Minh", "hours": {"mon": ["08:00", "17:00"], "sat": ["09:00", "12:00"]}}
    created = await client.put("/v1/agents/boss", json={**AGENT, "supervisor": True, "schedule": schedule})
    assert created.status_code == 201, created.text
    assert created.json()["supervisor"] is True and created.json()["schedule"] == schedule
    plain = (await client.put("/v1/agents/lan", json=AGENT)).json()
    assert (plain["supervisor"], plain["schedule"]) == (False, None)

    invalid = {"timezone": "Mars/Olympus", "hours": {"someday": ["8:00", "25:00"]}}
    body = assert_problem(await client.put("/v1/agents/boss", json={**AGENT, "schedule": invalid}), 422)
    assert {error["field"].split(".")[0] for error in body["errors"]} == {"schedule"}
