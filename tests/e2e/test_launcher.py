"""The launcher's own promises, shown with the smallest services: crashed processes come back (up to a limit),
the embedded broker comes back with its topics, nothing outlives the launcher, and start-up failures say why."""

from __future__ import annotations

import os
import signal
import socket
import stat
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from services.launcher import keys
from shared.topics import ALL_TOPICS
from tests.e2e.launcher import Launchers, none_left, only_pid, output_contains


async def test_a_crashed_service_is_restarted_then_given_up_on_while_the_rest_keeps_running(
    launchers: Launchers,
) -> None:
    launcher = await launchers.start(services=["ingest_sms", "ingest_email"], PLATFORM_RESTART_LIMIT="1")
    await launcher.wait_ready(["ingest_sms", "ingest_email"])

    first = await only_pid(launcher, "ingest_sms serve")
    os.kill(first, signal.SIGKILL)
    await output_contains(launcher, "ingest_sms is ready again")
    await launcher.wait_ready(["ingest_sms"])
    second = await only_pid(launcher, "ingest_sms serve")
    assert second != first
    assert "ingest_sms (pid" in launcher.output() and "killed by SIGKILL" in launcher.output()

    os.kill(second, signal.SIGKILL)
    await output_contains(launcher, "gave up on ingest_sms")
    await launcher.wait_ready(["ingest_email"])
    assert launcher.process.returncode is None

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code(within=30) == 0, launcher.output()
    await none_left(launcher)


async def test_the_embedded_broker_comes_back_with_its_topics_and_nothing_outlives_a_killed_launcher(
    launchers: Launchers,
) -> None:
    launcher = await launchers.start(services=["ingest_sms"])
    await launcher.wait_ready(["ingest_sms"])

    os.kill(await only_pid(launcher, "tansu"), signal.SIGKILL)
    await output_contains(launcher, "embedded broker was restarted")
    admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{launcher.broker_port}")
    await admin.start()
    try:
        assert set(ALL_TOPICS) <= set(await admin.list_topics())
    finally:
        await admin.close()
    await launcher.wait_ready(["ingest_sms"])

    # SIGKILL leaves the launcher no chance to clean up: the children's death signal must do it.
    launcher.send(signal.SIGKILL)
    assert await launcher.exit_code() == -signal.SIGKILL
    await none_left(launcher)


async def test_a_taken_broker_port_stops_start_up_with_a_message_naming_the_setting(launchers: Launchers) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        launcher = await launchers.start(services=["ingest_sms"], PLATFORM_EMBEDDED_BROKER_PORT=str(port))

        code = await launcher.exit_code()

    assert code == 1
    assert f"the embedded broker cannot start: port {port} is already in use" in launcher.output()
    assert "PLATFORM_EMBEDDED_BROKER_PORT" in launcher.output()
    await none_left(launcher)


def test_the_admin_key_is_generated_once_private_and_then_reused(tmp_path: Path) -> None:
    generated = keys.load_or_generate(tmp_path)
    keys.store(generated)
    again = keys.load_or_generate(tmp_path)

    assert generated.is_new and not again.is_new
    assert again.key == generated.key and again.hash == generated.hash
    assert stat.S_IMODE((tmp_path / "admin.key").stat().st_mode) == 0o600


async def test_a_failed_migration_stops_start_up_with_its_output(launchers: Launchers) -> None:
    unreachable = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/nothing"
    launcher = await launchers.start(services=["case_service"], CASE_SERVICE_DATABASE_URL=unreachable)

    code = await launcher.exit_code()

    assert code == 1
    assert "migrating case_service failed" in launcher.output()
    assert "Connect" in launcher.output() or "refused" in launcher.output()
    await none_left(launcher)


async def test_services_not_ready_in_time_stop_start_up_with_their_state(launchers: Launchers) -> None:
    # The first readiness poll comes right after the processes are spawned, before any can answer.
    launcher = await launchers.start(services=["ingest_sms"], PLATFORM_READY_TIMEOUT_SECONDS="0.1")

    code = await launcher.exit_code()

    assert code == 1
    assert "not every service became ready" in launcher.output()
    assert "ingest_sms is not ready" in launcher.output()
    await none_left(launcher)
