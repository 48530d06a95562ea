"""Killing the embedded broker under load loses nothing: integrator posts and signed SMS webhooks keep coming while
tansu is killed with SIGKILL three times (early, in the middle of the recovery from the previous kill, and once the
platform has settled again); afterwards every accepted message is filed exactly once and every case is routed."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from tests.e2e.launcher import Launcher, Launchers, only_pid
from tests.e2e.ledger import Filing, Ledger, Twilio, read_filing, run_load
from tests.support.databases import fresh_postgres_database
from tests.support.fake_twilio import running_fake_twilio
from tests.support.polling import eventually

SERVICES = ["gateway", "ingest_sms", "case_service", "router_service"]
PREFIXES = {"gateway": "GATEWAY_", "ingest_sms": "INGEST_SMS_", "case_service": "CASE_SERVICE_"}
PREFIXES["router_service"] = "ROUTER_SERVICE_"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO = Twilio(
    auth_token="e2e-twilio-auth-token-0123456789",
    public_url="https://support.example.com/sms",
    our_number="+84281234567",
)
RESTARTED = "republish the events of their outbox journals"
LOAD_SECONDS = float(os.environ.get("BROKER_CRASH_LOAD_SECONDS", "45"))
FIRST_KILL_AFTER = 15
RATE = float(os.environ.get("BROKER_CRASH_RATE", "20"))


@asynccontextmanager
async def databases(kind: str) -> AsyncIterator[dict[str, str]]:
    """Settings pointing every service at a fresh PostgreSQL database (nothing for SQLite, the default)."""
    if kind == "sqlite":
        yield {}
        return
    async with AsyncExitStack() as stack:
        urls = {}
        for prefix in PREFIXES.values():
            urls[f"{prefix}DATABASE_URL"] = await stack.enter_async_context(fresh_postgres_database())
        yield urls


async def kill_broker(launcher: Launcher) -> None:
    os.kill(await only_pid(launcher, "tansu"), signal.SIGKILL)


async def time_to_ready(launcher: Launcher, killed_at: float, took: list[float]) -> None:
    """How long after a kill every service answered /readyz again (reported, not asserted: timing is bench's)."""
    await launcher.wait_ready(SERVICES, within=90)
    took.append(asyncio.get_running_loop().time() - killed_at)


async def restarts_announced(launcher: Launcher, count: int) -> None:
    async def announced() -> bool:
        return launcher.output().count(RESTARTED) >= count

    await eventually(announced, within=60, what=f"broker restart {count} announced")


async def kill_three_times(launcher: Launcher, took: list[float]) -> None:
    """Once the topics hold a few hundred records (so consumers' positions are far into the logs the broker loses);
    0.5 s after the launcher announced that recovery; 8 s after the second, together with case_service (which then
    recovers when it starts, not on the launcher's signal)."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(FIRST_KILL_AFTER)
    await kill_broker(launcher)
    killed_at = loop.time()
    await restarts_announced(launcher, 1)
    await asyncio.sleep(0.5)
    await kill_broker(launcher)
    killed_at = loop.time()
    await restarts_announced(launcher, 2)
    await time_to_ready(launcher, killed_at, took)
    await asyncio.sleep(8)
    os.kill(await only_pid(launcher, "-m case_service serve"), signal.SIGKILL)
    await kill_broker(launcher)
    killed_at = loop.time()
    await restarts_announced(launcher, 3)
    await time_to_ready(launcher, killed_at, took)


# Opt-in: two variants of 70-200 s each. It passed ten runs in a row on each database on a loaded 2-core machine
# (issue 16); it joins CI once it has passed there too.
@pytest.mark.skipif(
    os.environ.get("BROKER_CRASH_E2E", "") not in {"1", "true", "yes"},
    reason="the kill-the-broker-under-load run is opt-in (BROKER_CRASH_E2E=1)",
)
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_killing_the_broker_under_load_loses_and_duplicates_nothing(launchers: Launchers, database: str) -> None:
    async with running_fake_twilio(ACCOUNT_SID, TWILIO.auth_token) as twilio, databases(database) as urls:
        launcher = await launchers.start(
            services=SERVICES,
            PLATFORM_RESTART_LIMIT="10",
            INGEST_SMS_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            INGEST_SMS_TWILIO_AUTH_TOKEN=TWILIO.auth_token,
            INGEST_SMS_PUBLIC_URL=TWILIO.public_url,
            INGEST_SMS_FROM_NUMBER=TWILIO.our_number,
            INGEST_SMS_TWILIO_API_URL=twilio.url,
            **urls,
        )
        await launcher.wait_ready(SERVICES)
        ledger = Ledger()
        load = run_load(
            ledger=ledger,
            gateway=launcher.url("gateway"),
            sms=launcher.url("ingest_sms"),
            twilio=TWILIO,
            admin_key=launcher.admin_key(),
            seconds=LOAD_SECONDS,
            rate=RATE,
            senders=40,
        )
        ready_after: list[float] = []
        try:
            await check_recovery(launcher, ledger, load, ready_after, database=database)
        finally:
            keep_output(launcher, database)


def keep_output(launcher: Launcher, database: str) -> None:
    """With BROKER_CRASH_LOG_DIR set, the launcher's output and every service's log are kept there for a look after
    the run."""
    directory = os.environ.get("BROKER_CRASH_LOG_DIR")
    if directory:
        kept = Path(directory) / f"{database}-{time.strftime('%Y%m%dT%H%M%S')}"
        shutil.copytree(launcher.data_dir / "logs", kept, dirs_exist_ok=True)
        (kept / "launcher.out").write_text(launcher.output(), encoding="utf-8")


async def check_recovery(
    launcher: Launcher, ledger: Ledger, load: Awaitable[None], ready_after: list[float], *, database: str
) -> None:
    key = launcher.admin_key()
    await asyncio.gather(load, kill_three_times(launcher, ready_after))
    await launcher.wait_ready(SERVICES, within=60)
    assert len(ledger.accepted) > LOAD_SECONDS * RATE * 0.5, f"too few accepted: {ledger}"

    async def settled() -> Filing | None:
        filing = await read_filing(
            ledger=ledger, cases=launcher.url("case_service"), router=launcher.url("router_service"), admin_key=key
        )
        return filing if not filing.lost(ledger) and not filing.unrouted else None

    try:
        filing = await eventually(settled, within=150, what="every accepted message filed and every case routed")
    except AssertionError:
        filing = await read_filing(
            ledger=ledger, cases=launcher.url("case_service"), router=launcher.url("router_service"), admin_key=key
        )
        lost, unrouted = filing.lost(ledger), sorted(filing.unrouted)
        raise AssertionError(
            f"{len(lost)} of {len(ledger.accepted)} accepted messages never filed ({lost[:10]}...), "
            f"{len(unrouted)} of {len(filing.cases)} cases never routed"
        ) from None
    assert filing.duplicated(ledger) == [], "a message was filed twice"
    print(
        f"\n{database}: accepted {len(ledger.accepted)}, refused {ledger.refused}, cases {len(filing.cases)}, "
        f"ready again {', '.join(f'{seconds:.1f}' for seconds in ready_after)} s after kills 2 and 3"
    )
