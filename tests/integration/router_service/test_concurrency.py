"""Two router processes in one consumer group, hundreds of cases at once: no agent over capacity, each case once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from router_service.models import Agent, AgentLoad, Assignment, Offer, WaitingCase
from shared import topics
from shared.bus import KafkaBus, ensure_topics
from shared.settings import hash_api_key
from tests.integration.router_service.helpers import API_KEY, Sessions, add_agent, opened
from tests.support.broker import free_port
from tests.support.databases import fresh_postgres_database
from tests.support.polling import eventually

CASES = 200
AGENTS = 6
LIMIT = 4


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """PostgreSQL only: several router instances share one database (SQLite serves a single instance)."""
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def two_routers(broker: str, database_url: str, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[list[Path]]:
    """Two `python -m router_service serve` processes in one consumer group; yields their log files."""
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=4)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "ROUTER_SERVICE_DATABASE_URL": database_url,
        "API_KEY_HASHES": hash_api_key(API_KEY),
        "DATA_DIR": str(tmp_path),
    }
    logs = [tmp_path / f"router-{n}.log" for n in range(2)]
    ports = [free_port() for _ in logs]
    processes = []
    for log_path, port in zip(logs, ports, strict=True):
        with log_path.open("wb") as log_file:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "router_service", "serve",
                    env={**env, "ROUTER_SERVICE_PORT": str(port)}, stdout=log_file, stderr=log_file,
                )
            )  # fmt: skip
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:

            async def both_ready() -> bool:
                for port in ports:
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code != 200:
                            return False
                    except httpx.HTTPError:
                        return False
                return True

            await eventually(both_ready, within=60, what="both routers ready (consumers holding partitions)")
        yield logs
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


async def test_two_routers_share_the_cases_without_exceeding_any_capacity(
    two_routers: list[Path], broker: str, sessions: Sessions
):
    for n in range(AGENTS):
        # Half auto-accept, half get offers (which hold capacity just the same).
        await add_agent(sessions, f"agent-{n}", capacity_per_channel={"email": LIMIT}, auto_accept=n % 2 == 0)

    bus = KafkaBus(broker, client_id="case_service-test")
    await bus.start()
    try:
        for n in range(CASES):
            event, _ = opened(f"case-{n:03d}")
            await bus.publish(topics.CASES_EVENTS, event, key=f"case-{n:03d}")
    finally:
        await bus.stop()

    async def all_routed() -> int | None:
        async with sessions() as session:
            live = select(func.count()).select_from(Offer).where(Offer.status.in_(["pending", "accepted"]))
            waiting = select(func.count()).select_from(WaitingCase)
            total = (await session.execute(live)).scalar_one() + (await session.execute(waiting)).scalar_one()
        return total if total == CASES else None

    await eventually(all_routed, within=60, what=f"all {CASES} cases offered, assigned or queued")

    async with sessions() as session:
        offers = (await session.execute(select(Offer.case_id, Offer.agent_id, Offer.status))).all()
        assigned = (await session.execute(select(Assignment.case_id, Assignment.agent_id))).all()
        waiting = set((await session.execute(select(WaitingCase.case_id))).scalars())
        agents = {a.id: a.active_cases for a in (await session.execute(select(Agent))).scalars()}
        loads = {(r.agent_id, r.channel): r.active_cases for r in (await session.execute(select(AgentLoad))).scalars()}
    held = Counter(agent_id for _, agent_id, status in offers if status in ("pending", "accepted"))
    assert held == Counter({f"agent-{n}": LIMIT for n in range(AGENTS)}), "every agent full, none over"
    assert agents == dict(held)
    assert all(loads[(agent_id, "email")] == count for agent_id, count in held.items())
    routed = [case_id for case_id, _, status in offers if status in ("pending", "accepted")]
    assert len(routed) == len(set(routed)) == AGENTS * LIMIT
    assert not set(routed) & waiting and len(waiting) == CASES - AGENTS * LIMIT
    assert sorted(case_id for case_id, _ in assigned) == sorted(
        case_id for case_id, agent_id, status in offers if status == "accepted"
    )
    for log_path in two_routers:
        assert "offered" in log_path.read_text() or "assigned" in log_path.read_text(), f"{log_path.name} idle"
