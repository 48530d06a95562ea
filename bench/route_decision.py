"""How long one routing decision takes with many agents: 10,000 agents and 100 skills by default.

    python bench/route_decision.py                 # SQLite file, then PostgreSQL if reachable
    python bench/route_decision.py --agents 2000 --decisions 20 --no-postgres

In-process, no broker: builds the router's schema in a fresh SQLite file (and a fresh PostgreSQL database when the
server at TEST_POSTGRES_URL, or the default local one, answers), inserts the agents (each with 3 of the skills at
levels 1-4, two languages, every channel, half of them available, auto-accepting), then times `on_case_opened`
(read the agents, rank them, claim capacity, write the offer, assignment, decision and outbox row, commit) for
`--decisions` cases, each needing a random skill. Prints one markdown row per database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from router_service.handlers import on_case_opened
from router_service.models import Agent, AgentLoad, Base
from shared.cloudevents import new_event
from shared.db import create_engine, session_factory
from shared.events import CaseOpened, Channel, Priority

DEFAULT_ADMIN_URL = "postgresql+asyncpg://complaints:complaints@127.0.0.1:5432/postgres"
BATCH = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--skills", type=int, default=100)
    parser.add_argument("--decisions", type=int, default=50, help="timed routing decisions per database")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


async def populate(engine: AsyncEngine, *, agents: int, skills: int, rng: random.Random) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    now = datetime.now(UTC)
    channels = [channel.value for channel in Channel]
    for start in range(0, agents, BATCH):
        rows, loads = [], []
        for n in range(start, min(start + BATCH, agents)):
            agent_id = f"agent-{n:05d}"
            chosen = rng.sample(range(skills), 3)
            rows.append(
                {
                    "id": agent_id,
                    "name": f"Agent {n}",
                    "skills": {f"skill-{s}": rng.randint(1, 4) for s in chosen},
                    "languages": ["vi", "en"],
                    "channels": channels,
                    "capacity": 1000,
                    "active_cases": 0,
                    "team": f"team-{n % 20}",
                    "auto_accept": True,
                    "presence": "available" if n % 2 == 0 else "offline",
                    "presence_changed_at": now,
                    "last_assignment_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            loads.extend({"agent_id": agent_id, "channel": c, "capacity": 1000, "active_cases": 0} for c in channels)
        async with engine.begin() as connection:
            await connection.execute(insert(Agent), rows)
            await connection.execute(insert(AgentLoad), loads)


async def time_decisions(engine: AsyncEngine, *, decisions: int, skills: int, rng: random.Random) -> list[float]:
    sessions = session_factory(engine)
    timings = []
    for n in range(decisions + 1):
        data = CaseOpened(
            case_id=str(uuid.uuid4()),
            case_reference=f"BENCH-{n}",
            customer_id=f"customer-{n}",
            channel=Channel.EMAIL,
            category=f"skill-{rng.randrange(skills)}",
            priority=Priority.NORMAL,
            language="vi",
            subject=None,
            message_id=f"message-{n}",
            opened_at=datetime.now(UTC),
        )
        event = new_event(data, source="bench", subject=data.case_id)
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await on_case_opened(session, event, data)
        if n > 0:  # the first one warms caches and connections
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def run(url: str, label: str, args: argparse.Namespace) -> str:
    engine = create_engine(url, pool_size=2)
    try:
        started = time.perf_counter()
        await populate(engine, agents=args.agents, skills=args.skills, rng=random.Random(args.seed))
        setup_s = time.perf_counter() - started
        timings = sorted(
            await time_decisions(engine, decisions=args.decisions, skills=args.skills, rng=random.Random(2))
        )
    finally:
        await engine.dispose()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return (
        f"| {date.today().isoformat()} | {label} | {args.agents} | {args.skills} | {len(timings)} "
        f"| {statistics.median(timings):.1f} | {p95:.1f} | {max(timings):.1f} | {setup_s:.1f} |"
    )


async def main() -> None:
    args = parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print("| date | database | agents | skills | decisions | p50 ms | p95 ms | max ms | setup s |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{(Path(directory) / 'router.db').as_posix()}"
        print(await run(url, "SQLite file", args), flush=True)
    if args.no_postgres:
        return
    admin = create_async_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipped")
        await admin.dispose()
        return
    try:
        url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
        print(await run(url, "PostgreSQL", args), flush=True)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
