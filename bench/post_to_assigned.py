"""How fast a complaint posted at the gateway is assigned to an agent, and how many posts the gateway takes.

Run against a platform started with `make run` (see bench/README.md):

    python bench/post_to_assigned.py --count 200 --rate 50

1. Creates agents for this run (capacity 1000 each, enough for every complaint, auto-accepting so that no offer
   waits for an answer) and makes them available.
2. Posts `--count` complaints at `--rate` per second, each from its own sender with its own Idempotency-Key.
3. Polls the agents' assignments until every complaint is assigned; POST -> assigned latency is the router's
   `assigned_at` minus the moment the POST was sent (same machine, same clock).
4. Takes the agents offline again, so that a later run's complaints go to that run's agents.
5. Measures POST /v1/messages requests per second (`--concurrency` clients, `--seconds` long) on the gateway and on a
   bare FastAPI endpoint the script starts itself, the same way in the same run. Those posts use a language no
   agent speaks ("zz"), so they wait in the router's queue instead of taking the next run's agents.

Prints a markdown table row for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

SKILL_LEVEL = 4
DEFAULT_CATEGORIES = (
    "delivery_delay",
    "damaged_goods",
    "product_quality",
    "billing_refund",
    "staff_attitude",
    "technical",
    "other",
)
AGENT_CAPACITY = 1000
UNSPOKEN_LANGUAGE = "zz"
HEADER = (
    "| date | machine | load before | complaints | target rate/s | posted/s | p50 ms | p95 ms | p99 ms | assigned/s "
    "| gateway POST req/s | bare FastAPI req/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--router", default="http://127.0.0.1:8005")
    parser.add_argument("--case-service", default="http://127.0.0.1:8004")
    parser.add_argument("--key", help="admin API key (default: read var/admin.key, written by `make run`)")
    parser.add_argument("--count", type=int, default=200, help="complaints to post (default 200)")
    parser.add_argument("--rate", type=float, default=50, help="complaints per second (default 50)")
    parser.add_argument(
        "--skills",
        default=",".join(DEFAULT_CATEGORIES),
        help="comma-separated skills the agents get (default: every category of the default taxonomy)",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="clients in the requests/s phase (default 20)")
    parser.add_argument("--seconds", type=float, default=4, help="length of each requests/s measurement")
    parser.add_argument("--assign-timeout", type=float, default=120, help="seconds to wait for every assignment")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count < 1 or args.rate <= 0 or args.concurrency < 1 or args.seconds <= 0:
        parser.error("--count, --rate, --concurrency and --seconds must be positive")
    return args


def read_key(explicit: str | None) -> str:
    if explicit:
        return explicit
    path = Path("var/admin.key")
    if not path.exists():
        sys.exit("no API key: pass --key, or start the platform with `make run` first (it writes var/admin.key)")
    return path.read_text().strip()


def complaint(sender: str, *, language: str) -> dict[str, Any]:
    return {
        "channel": "web",
        "sender_address": sender,
        "sender_name": "Bench",
        "subject": "Late delivery",
        "text": "My order is two weeks late",
        "language": language,
    }


@dataclass
class Run:
    """What one latency run sent and saw, keyed by sender (each complaint has its own)."""

    run_id: str
    load_before: float = field(default_factory=lambda: os.getloadavg()[0])
    sent_at: dict[str, float] = field(default_factory=dict)
    assigned_at: dict[str, float] = field(default_factory=dict)
    failed_posts: int = 0
    posting_seconds: float = 0.0

    def sender(self, number: int) -> str:
        return f"bench-{self.run_id}-{number}@example.com"


async def create_agents(
    client: httpx.AsyncClient, router: str, run: Run, *, count: int, skills: list[str]
) -> list[str]:
    agents = [f"bench-{run.run_id}-{n}" for n in range(math.ceil(count / AGENT_CAPACITY) + 1)]
    for agent in agents:
        body = {
            "name": f"Bench agent {agent}",
            "skills": dict.fromkeys(skills, SKILL_LEVEL),
            "languages": ["vi", "en"],
            "capacity": AGENT_CAPACITY,
            "auto_accept": True,  # measure routing, not a person accepting offers
            "presence": "available",
        }
        response = await client.put(f"{router}/v1/agents/{agent}", json=body)
        response.raise_for_status()
    return agents


async def post_at_rate(client: httpx.AsyncClient, gateway: str, run: Run, *, count: int, rate: float) -> None:
    """Open loop: the n-th POST starts at n / rate seconds whether or not earlier ones have answered."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def post(number: int) -> None:
        await asyncio.sleep(max(0.0, start + number / rate - loop.time()))
        sender = run.sender(number)
        sent = time.time()
        try:
            response = await client.post(
                f"{gateway}/v1/messages",
                json=complaint(sender, language="vi"),
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        except httpx.HTTPError:
            run.failed_posts += 1
            return
        if response.status_code == 202:
            run.sent_at[sender] = sent
        else:
            run.failed_posts += 1

    await asyncio.gather(*(post(number) for number in range(count)))
    run.posting_seconds = loop.time() - start


async def wait_assigned(
    client: httpx.AsyncClient, *, router: str, case_service: str, agents: list[str], run: Run, within: float
) -> None:
    """Poll the agents' assignments; each new case is looked up once to learn which complaint (sender) it holds."""
    seen_cases: set[str] = set()
    deadline = time.monotonic() + within
    while len(run.assigned_at) < len(run.sent_at) and time.monotonic() < deadline:
        pages = await asyncio.gather(*(client.get(f"{router}/v1/agents/{agent}/assignments") for agent in agents))
        fresh = [item for page in pages for item in page.json()["items"] if item["case_id"] not in seen_cases]
        for batch in range(0, len(fresh), 20):
            items = fresh[batch : batch + 20]
            cases = await asyncio.gather(*(client.get(f"{case_service}/v1/cases/{i['case_id']}") for i in items))
            for item, case in zip(items, cases, strict=True):
                if case.status_code != 200:
                    continue  # case_service has not caught up yet; look again next round
                seen_cases.add(item["case_id"])
                sender = case.json()["messages"][0]["sender_address"]
                if sender in run.sent_at:
                    run.assigned_at[sender] = _epoch(item["assigned_at"])
        await asyncio.sleep(0.5)


def _epoch(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def take_offline(client: httpx.AsyncClient, router: str, agents: list[str]) -> None:
    for agent in agents:
        await client.put(f"{router}/v1/agents/{agent}/presence", json={"presence": "offline"})


async def requests_per_second(
    client: httpx.AsyncClient, url: str, body: Callable[[], dict[str, Any]], *, concurrency: int, seconds: float
) -> float:
    """Closed loop: `concurrency` workers POST back to back for `seconds`; successful answers per second."""

    async def worker(until: float) -> int:
        done = 0
        while time.monotonic() < until:
            try:
                response = await client.post(url, json=body(), headers={"Idempotency-Key": str(uuid.uuid4())})
            except httpx.HTTPError:
                continue  # counted by its absence
            done += response.status_code < 300
        return done

    await asyncio.gather(*(worker(time.monotonic() + 0.5) for _ in range(concurrency)))  # warm up connections
    started = time.monotonic()
    counts = await asyncio.gather(*(worker(started + seconds) for _ in range(concurrency)))
    return sum(counts) / (time.monotonic() - started)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_bare(port: int) -> None:
    """The baseline: FastAPI and uvicorn as the services use them, with an endpoint that does nothing."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/messages", status_code=202)
    async def accept(message: dict[str, Any]) -> dict[str, str]:
        return {"event_id": uuid.uuid4().hex, "status": "accepted"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def wait_healthy(client: httpx.AsyncClient, url: str, *, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if (await client.get(f"{url}/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"the bare FastAPI app did not start at {url}")
        await asyncio.sleep(0.1)


async def bare_requests_per_second(
    client: httpx.AsyncClient, body: Callable[[], dict[str, Any]], *, concurrency: int, seconds: float
) -> float:
    """The same measurement against the bare app, started in its own process as the services are."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve-bare", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(client, url)
        return await requests_per_second(client, f"{url}/v1/messages", body, concurrency=concurrency, seconds=seconds)
    finally:
        server.terminate()
        await server.wait()


def percentile_ms(latencies: list[float], percent: int) -> float:
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[percent - 1] * 1000


async def bench(args: argparse.Namespace) -> None:
    headers = {"Authorization": f"Bearer {read_key(args.key)}"}
    limits = httpx.Limits(max_connections=max(100, args.concurrency), max_keepalive_connections=100)
    run = Run(run_id=uuid.uuid4().hex[:8])
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30, trust_env=False) as client:
        agents = await create_agents(client, args.router, run, count=args.count, skills=args.skills.split(","))
        print(f"run {run.run_id}: {len(agents)} agents; posting {args.count} complaints at {args.rate:g}/s", flush=True)
        await post_at_rate(client, args.gateway, run, count=args.count, rate=args.rate)
        await wait_assigned(
            client,
            router=args.router,
            case_service=args.case_service,
            agents=agents,
            run=run,
            within=args.assign_timeout,
        )
        await take_offline(client, args.router, agents)
        print(f"assigned {len(run.assigned_at)} of {len(run.sent_at)} ({run.failed_posts} posts failed)", flush=True)

        counter = iter(range(10**9))

        def throughput_body() -> dict[str, Any]:
            return complaint(f"bench-{run.run_id}-rps-{next(counter)}@example.com", language=UNSPOKEN_LANGUAGE)

        gateway_rps = await requests_per_second(
            client, f"{args.gateway}/v1/messages", throughput_body, concurrency=args.concurrency, seconds=args.seconds
        )
        bare_rps = await bare_requests_per_second(
            client, throughput_body, concurrency=args.concurrency, seconds=args.seconds
        )
    report(args, run, gateway_rps=gateway_rps, bare_rps=bare_rps)


def report(args: argparse.Namespace, run: Run, *, gateway_rps: float, bare_rps: float) -> None:
    latencies = sorted(run.assigned_at[s] - run.sent_at[s] for s in run.assigned_at)
    if not latencies:
        sys.exit("no complaint was assigned: is an agent skill missing (--skills), or is the router not consuming?")
    span = max(run.assigned_at.values()) - min(run.sent_at.values())
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    cells = [
        date.today().isoformat(),
        machine,
        f"{run.load_before:.1f}",  # other work on the machine moves every number: say how much there was
        f"{len(latencies)}/{args.count}",
        f"{args.rate:g}",
        f"{len(run.sent_at) / run.posting_seconds:.1f}",
        *(f"{percentile_ms(latencies, p):.0f}" for p in (50, 95, 99)),
        f"{len(latencies) / span:.1f}",
        f"{gateway_rps:.0f}",
        f"{bare_rps:.0f}",
    ]
    print("\n" + HEADER + "\n| " + " | ".join(cells) + " |")


def main() -> None:
    args = parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
