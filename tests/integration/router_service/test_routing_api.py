"""Dry runs, continuity with the customer's previous agent, and the queue's estimates and depth, over HTTP."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from router_service import domain
from shared.events import Priority
from tests.integration.router_service.helpers import AGENT, route
from tests.integration.router_service.test_api import assert_problem, sessions_of

AVAILABLE = {**AGENT, "presence": "available"}
REQUIREMENT = {"skill": "Billing", "min_level": 2, "language": "vi-VN", "channel": "email"}


async def test_a_dry_run_explains_who_would_get_a_case_and_changes_nothing(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/lan", json=AVAILABLE)
    await client.put("/v1/agents/minh", json={**AVAILABLE, "skills": {"billing": 4}, "auto_accept": False})
    await client.put("/v1/agents/hoa", json={**AVAILABLE, "skills": {"billing": 1}})

    answer = await client.post("/v1/routing/dry-run", json=REQUIREMENT)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["agent_id"], body["outcome"]) == ("lan", "assigned")
    assert body["requirement"] == {"skill": "billing", "min_level": 2, "language": "vi", "channel": "email"}
    candidates = {c["agent_id"]: c for c in body["candidates"]}
    assert candidates["lan"]["chosen"] and candidates["minh"]["rank"] == 2
    assert candidates["hoa"]["reasons"] == [domain.LEVEL_BELOW_MINIMUM]
    assert (await client.get("/v1/agents/lan")).json()["active_cases"] == 0, "nothing changed"

    expert = await client.post("/v1/routing/dry-run", json={**REQUIREMENT, "min_level": 4})
    assert (expert.json()["agent_id"], expert.json()["outcome"]) == ("minh", "offered")
    nobody = await client.post("/v1/routing/dry-run", json={**REQUIREMENT, "skill": "legal"})
    assert (nobody.json()["agent_id"], nobody.json()["outcome"]) == (None, "queued")
    invalid = assert_problem(await client.post("/v1/routing/dry-run", json={**REQUIREMENT, "min_level": 5}), 422)
    assert [e["field"] for e in invalid["errors"]] == ["min_level"]


async def test_a_returning_customer_goes_back_to_their_previous_agent(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/lan", json=AVAILABLE)
    sessions = sessions_of(app)
    await route(sessions, "first")  # customer-of-first -> lan, the only agent
    await client.put("/v1/agents/minh", json=AVAILABLE)  # now ranked first for anyone else (idle longest)

    dry = await client.post("/v1/routing/dry-run", json={**REQUIREMENT, "customer_id": "customer-of-first"})
    assert dry.json()["agent_id"] == "lan"
    assert next(c for c in dry.json()["candidates"] if c["agent_id"] == "lan")["score"]["continuity"] is True
    stranger = await client.post("/v1/routing/dry-run", json=REQUIREMENT)
    assert stranger.json()["agent_id"] == "minh"


async def test_the_queue_shows_estimated_waits_and_depth_per_skill(app: FastAPI, client: httpx.AsyncClient):
    sessions = sessions_of(app)
    await client.put("/v1/agents/lan", json={**AGENT, "capacity": 1})  # offline
    await route(sessions, "served-first")
    await route(sessions, "billing-2")
    await route(sessions, "legal-1", category="legal", priority=Priority.HIGH)
    before = (await client.get("/v1/queue")).json()["items"]
    assert all(item["estimated_wait_s"] is None for item in before), "no throughput yet: no basis"

    await client.put("/v1/agents/lan/presence", json={"presence": "available"})  # takes served-first
    queue = (await client.get("/v1/queue")).json()["items"]
    assert [(q["case_id"], q["position"]) for q in queue] == [("legal-1", 1), ("billing-2", 2)]
    estimates = {q["case_id"]: q["estimated_wait_s"] for q in queue}
    assert estimates == {"legal-1": None, "billing-2": 3600.0}, "one billing case served in the last hour"

    depth = (await client.get("/v1/queue/depth")).json()["items"]
    assert [(d["skill"], d["waiting"]) for d in depth] == [("billing", 1), ("legal", 1)]
    assert all(d["oldest_waiting_s"] >= 0 for d in depth)


async def test_statistics_count_offers_and_show_occupancy(app: FastAPI, client: httpx.AsyncClient):
    offered = {**AVAILABLE, "auto_accept": False, "team": "tier-1"}
    await client.put("/v1/agents/lan", json=offered)
    await client.put("/v1/agents/minh", json={**offered, "skills": {"billing": 4}, "capacity": 3, "team": "tier-2"})
    sessions = sessions_of(app)
    await route(sessions, "case-1")
    await route(sessions, "case-2")
    [first, second] = (await client.get("/v1/agents/lan/offers")).json()["items"]
    await client.post(f"/v1/offers/{first['id']}/accept")
    await client.post(f"/v1/offers/{second['id']}/decline", json={"reason": "busy"})  # -> minh, pending

    stats = (await client.get("/v1/routing/statistics")).json()
    assert stats["offers"] == {"pending": 1, "accepted": 1, "declined": 1, "expired": 0, "rescinded": 0}
    assert stats["assignments"] == 1
    assert stats["time_to_assign_s"]["p50"] >= 0 and stats["time_to_assign_s"]["p99"] >= 0
    agents = {a["id"]: (a["active_cases"], a["max_total"], a["occupancy"]) for a in stats["agents"]}
    assert agents == {"lan": (1, 2, 0.5), "minh": (1, 3, 0.3333)}
    assert [(t["id"], t["active_cases"], t["max_total"]) for t in stats["teams"]] == [
        ("tier-1", 1, 2),
        ("tier-2", 1, 3),
    ]
    assert_problem(await client.get("/v1/routing/statistics", params={"window_s": 1}), 422)
