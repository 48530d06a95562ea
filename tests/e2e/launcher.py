"""Drive `python -m services run` as a person would: start it with some settings, wait, signal it, look around."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.processes import record_descendants, still_running
from tests.support.broker import free_port
from tests.support.polling import eventually

SERVICE_PORT_SETTINGS = {
    "gateway": "GATEWAY_PORT",
    "ingest_email": "INGEST_EMAIL_PORT",
    "ingest_sms": "INGEST_SMS_PORT",
    "ingest_social": "INGEST_SOCIAL_PORT",
    "case_service": "CASE_SERVICE_PORT",
    "router_service": "ROUTER_SERVICE_PORT",
    "console": "CONSOLE_PORT",
}
SERVICE_PREFIXES = tuple(setting.removesuffix("PORT") for setting in SERVICE_PORT_SETTINGS.values())
SHARED_SETTINGS = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "API_KEY_HASHES",
    "DATA_DIR",
    "KAFKA_TOPIC_PARTITIONS",
    "TOKEN_SIGNING_KEY",
}


def isolated_environment() -> dict[str, str]:
    """This process's environment without any platform setting a developer may have exported."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in SHARED_SETTINGS and not name.startswith(("PLATFORM_", *SERVICE_PREFIXES))
    }


@dataclass
class Launcher:
    process: asyncio.subprocess.Process
    workdir: Path
    data_dir: Path
    ports: dict[str, int]
    broker_port: int
    seen: dict[int, str] = field(default_factory=dict)
    _recorder: asyncio.Task[None] | None = None

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def output(self) -> str:
        return (self.workdir / "launcher.out").read_text(errors="replace")

    def admin_key(self) -> str:
        return (self.data_dir / "admin.key").read_text().strip()

    def pids_running(self, fragment: str) -> list[int]:
        """Descendants seen so far, still running, whose command line contains `fragment`."""
        return sorted(pid for pid, command in still_running(self.seen).items() if fragment in command)

    async def wait_ready(self, services: list[str], *, within: float = 120) -> None:
        """Until the launcher has finished starting up (its own word) and each of `services` answers /readyz."""
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:

            async def all_ready() -> bool:
                if self.process.returncode is not None:
                    raise AssertionError(f"the launcher exited ({self.process.returncode}):\n{self.output()}")
                if "Press Ctrl-C to stop." not in self.output():
                    return False  # a service may answer before the launcher's start-up is over
                for service in services:
                    try:
                        response = await client.get(f"{self.url(service)}/readyz")
                    except httpx.HTTPError:
                        return False
                    if response.status_code != 200:
                        return False
                return True

            await eventually(all_ready, within=within, what=f"{', '.join(services)} ready")

    async def exit_code(self, *, within: float = 60) -> int:
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            raise AssertionError(f"the launcher did not exit within {within} s:\n{self.output()}") from None
        await self.stop_recording()
        return code

    async def stop_recording(self) -> None:
        if self._recorder is not None:
            self._recorder.cancel()
            await asyncio.gather(self._recorder, return_exceptions=True)
            self._recorder = None

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)


class Launchers:
    """Starts launchers for a test and makes sure none of them, nor anything they started, outlives it."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._started: list[Launcher] = []

    async def start(self, *, services: list[str], **settings: str) -> Launcher:
        workdir = self._tmp_path / f"launch-{len(self._started)}"
        workdir.mkdir()
        ports = {service: free_port() for service in services}
        broker_port = free_port()
        env = isolated_environment()
        env.update({SERVICE_PORT_SETTINGS[service]: str(port) for service, port in ports.items()})
        env.update(
            DATA_DIR=str(workdir / "var"),
            PLATFORM_EMBEDDED_BROKER_PORT=str(broker_port),
            PLATFORM_SERVICES=",".join(services),
        )
        env.update(settings)
        with (workdir / "launcher.out").open("wb") as output:
            # The working directory is empty so that no `.env` of the developer's is read.
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "services",
                "run",
                cwd=workdir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        launcher = Launcher(
            process=process, workdir=workdir, data_dir=workdir / "var", ports=ports, broker_port=broker_port
        )
        launcher._recorder = asyncio.create_task(record_descendants(process.pid, launcher.seen))
        self._started.append(launcher)
        return launcher

    async def close(self) -> None:
        for launcher in self._started:
            await launcher.stop_recording()
            if launcher.process.returncode is None:
                # SIGKILL: what is left is exactly what the children's death signal must take care of.
                with contextlib.suppress(ProcessLookupError):
                    launcher.process.kill()
                await launcher.process.wait()
            for pid in still_running(launcher.seen):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


async def none_left(launcher: Launcher, *, within: float = 15) -> None:
    """Wait until nothing the launcher started is running (children may take a moment to act on a death signal)."""

    async def gone() -> bool:
        return not still_running(launcher.seen)

    await eventually(gone, within=within, what=f"no process left behind; running: {still_running(launcher.seen)}")


async def only_pid(launcher: Launcher, fragment: str) -> int:
    async def found() -> list[int]:
        return launcher.pids_running(fragment)

    pids = await eventually(found, within=10, what=f"a running process matching {fragment!r}")
    assert len(pids) == 1, pids
    return pids[0]


async def output_contains(launcher: Launcher, text: str, *, within: float = 30) -> None:
    async def present() -> bool:
        return text in launcher.output()

    await eventually(present, within=within, what=f"{text!r} in the launcher's output")
