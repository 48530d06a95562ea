"""The supervisor's floor over HTTP: one snapshot whose numbers follow what routing did (offers, assignments, the
queue, presence, offers declined or expired)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, update

from router_service import floor_repository
from router_service.domain import RoutingPolicy
from router_service.models import Offer
from router_service.offers import expire_due
from shared.events import Priority
from tests.integration.router_service.helpers import AGENT, Sessions, route
from tests.integration.router_service.test_api import assert_problem, sessions_of

OFFERED = {**AGENT, "skills": {"billing": 2}, "auto_accept": False, "presence": "available"}
MINH = {
    **AGENT,
    "skills": {"billing": 4, "delivery": 3},
    "channels": ["email", "sms"],
    "capacity": {"email": 1, "sms": 2},
    "max_total": 2,
    "presence": "available",
    "team": "tier-2",
}


async def build_the_floor(app: FastAPI, client: httpx.AsyncClient) -> Sessions:
    """lan (offers) and minh (auto-accept, one email case at a time) available; hoa offline; tuan away.

    case-1 and case-2 are offered to lan, case-3 assigned to minh, case-4 queued (lan is full, so is minh's email);
    lan declines case-1 and lets case-2 expire: both queue behind case-4. Two legal cases wait for hoa. case-7 goes to
    lan, who did not refuse it.
    """
    for agent_id, body in [
        ("lan", OFFERED),
        ("minh", MINH),
        ("hoa", {**OFFERED, "skills": {"legal": 3}, "presence": "offline"}),
        ("tuan", {**OFFERED, "presence": "away"}),
    ]:
        assert (await client.put(f"/v1/agents/{agent_id}", json=body)).status_code == 201
    sessions = sessions_of(app)
    await route(sessions, "case-1")
    await route(sessions, "case-2")
    await route(sessions, "case-3")
    await route(sessions, "case-4")
    await route(sessions, "case-5", category="legal", priority=Priority.HIGH)
    await route(sessions, "case-6", category="legal", priority=Priority.HIGH)

    offers = {o["case_id"]: o for o in (await client.get("/v1/agents/lan/offers")).json()["items"]}
    declined = await client.post(f"/v1/offers/{offers['case-1']['id']}/decline", json={"reason": "not my area"})
    assert declined.status_code == 200, declined.text
    async with sessions() as session, session.begin():  # case-2's offer runs out
        due = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(Offer).where(Offer.id == offers["case-2"]["id"]).values(expires_at=due))
    async with sessions() as session, session.begin():
        await expire_due(session, policy=RoutingPolicy())  # unless the service's own sweeper was first
    await route(sessions, "case-7")
    return sessions


async def snapshot(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answer = await client.get("/v1/supervisor/snapshot", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


async def test_the_snapshot_shows_queue_agents_presence_and_failed_offers(app: FastAPI, client: httpx.AsyncClient):
    before = datetime.now(UTC)
    await build_the_floor(app, client)
    floor = await snapshot(client)

    assert before <= datetime.fromisoformat(floor["generated_at"]) <= datetime.now(UTC)
    assert floor["window_minutes"] == 15
    queue = [(q["skill"], q["priority"], q["depth"], q["oldest_case_id"], q["case_ids"]) for q in floor["queue"]]
    assert queue == [
        ("legal", "high", 2, "case-5", ["case-5", "case-6"]),
        ("billing", "normal", 3, "case-4", ["case-4", "case-1", "case-2"]),
    ], "most pressing priority first; within a group, oldest first"
    assert all(q["oldest_waiting_seconds"] >= 0 and q["reserved"] == 0 for q in floor["queue"])
    legal, billing = floor["queue"]
    assert billing["oldest_waiting_seconds"] >= legal["oldest_waiting_seconds"], "case-4 waits since before case-5"

    agents = {a["agent_id"]: a for a in floor["agents"]}
    assert [a["agent_id"] for a in floor["agents"]] == ["lan", "minh", "tuan", "hoa"], "available, away, offline"
    lan, minh = agents["lan"], agents["minh"]
    assert (lan["display_name"], lan["presence"], lan["case_ids"], lan["offered_case_ids"]) == (
        "Lan",
        "available",
        [],
        ["case-7"],
    )
    assert (lan["active_cases"], lan["max_total"], lan["occupancy"], lan["load"]["email"]) == (1, 2, 0.5, 1)
    assert (minh["case_ids"], minh["offered_case_ids"], minh["occupancy"]) == (["case-3"], [], 0.5)
    assert (minh["load"], minh["capacity"], minh["team"]) == ({"email": 1, "sms": 0}, {"email": 1, "sms": 2}, "tier-2")
    assert agents["hoa"]["occupancy"] == 0.0 and agents["hoa"]["case_ids"] == []
    assert floor["presence_counts"] == {"available": 2, "busy": 0, "away": 1, "offline": 1}

    recent = [(o["case_id"], o["agent_id"], o["outcome"], o["reason"]) for o in floor["offers_recent"]]
    assert recent == [("case-2", "lan", "expired", None), ("case-1", "lan", "declined", "not my area")]
    assert all(o["channel"] == "email" and o["offer_id"] for o in floor["offers_recent"])
    assert floor["offers_recent_counts"] == {"declined": 1, "expired": 1}
    assert floor["totals"] == {"waiting": 5, "offered": 1, "assigned": 1}


async def test_the_snapshot_follows_presence_and_capacity_changes(app: FastAPI, client: httpx.AsyncClient):
    await build_the_floor(app, client)
    await client.put("/v1/agents/hoa/presence", json={"presence": "available"})  # takes both legal cases
    await client.put("/v1/agents/tuan/presence", json={"presence": "busy"})
    floor = await snapshot(client)

    assert [(q["skill"], q["depth"]) for q in floor["queue"]] == [("billing", 3)]
    hoa = next(a for a in floor["agents"] if a["agent_id"] == "hoa")
    assert (hoa["presence"], sorted(hoa["offered_case_ids"]), hoa["occupancy"]) == (
        "available",
        ["case-5", "case-6"],
        1.0,
    )
    assert floor["presence_counts"] == {"available": 3, "busy": 1, "away": 0, "offline": 0}
    assert floor["totals"] == {"waiting": 3, "offered": 3, "assigned": 1}


async def test_limits_and_the_window_bound_the_lists_not_the_counts(app: FastAPI, client: httpx.AsyncClient):
    sessions = await build_the_floor(app, client)
    short = await snapshot(client, case_ids_limit=1, offers_limit=1)
    assert [(q["depth"], q["case_ids"]) for q in short["queue"]] == [(2, ["case-5"]), (3, ["case-4"])]
    assert [o["case_id"] for o in short["offers_recent"]] == ["case-2"]
    assert short["offers_recent_counts"] == {"declined": 1, "expired": 1}
    assert (short["case_ids_limit"], short["offers_limit"]) == (1, 1)

    async with sessions() as session, session.begin():
        long_ago = datetime.now(UTC) - timedelta(minutes=20)
        await session.execute(update(Offer).where(Offer.case_id == "case-1").values(decided_at=long_ago))
    recent = await snapshot(client)
    assert [o["case_id"] for o in recent["offers_recent"]] == ["case-2"], "declined 20 minutes ago: out of window"
    assert recent["offers_recent_counts"] == {"declined": 0, "expired": 1}
    wider = await snapshot(client, window_minutes=30)
    assert [o["outcome"] for o in wider["offers_recent"]] == ["expired", "declined"]

    for bad in [{"window_minutes": 0}, {"case_ids_limit": 1001}, {"offers_limit": "many"}]:
        problem = assert_problem(await client.get("/v1/supervisor/snapshot", params=bad), 422)
        assert [e["field"] for e in problem["errors"]] == [f"query.{next(iter(bad))}"]


async def test_an_empty_floor_still_lists_every_presence(client: httpx.AsyncClient):
    floor = await snapshot(client)
    assert (floor["queue"], floor["agents"], floor["offers_recent"]) == ([], [], [])
    assert floor["presence_counts"] == {"available": 0, "busy": 0, "away": 0, "offline": 0}
    assert floor["totals"] == {"waiting": 0, "offered": 0, "assigned": 0}


async def test_the_snapshot_reads_as_many_statements_for_many_agents_as_for_few(
    app: FastAPI, client: httpx.AsyncClient
):
    """No statement per agent or per case: the floor costs the same handful of reads however busy it is."""
    engine = app.state.runtime.engine
    executed: list[tuple[Any, str]] = []

    def count(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        executed.append((connection, statement))

    async def statements_per_snapshot() -> list[str]:
        executed.clear()
        async with sessions_of(app)() as session, session.begin():
            await floor_repository.one_state(session)
            await floor_repository.snapshot(
                session, now=datetime.now(UTC), window=timedelta(minutes=15), case_ids_limit=100, offers_limit=200
            )
            mine = (await session.connection()).sync_connection
        return [statement for connection, statement in executed if connection is mine]  # not background tasks'

    sessions = await build_the_floor(app, client)
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        few = await statements_per_snapshot()
        for n in range(12):
            await client.put(f"/v1/agents/extra-{n}", json={**OFFERED, "skills": {"delivery": 2}})
            await route(sessions, f"delivery-{n}", category="delivery")
        many = await statements_per_snapshot()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert 6 <= len(few) == len(many) <= 8, many
