"""What a database-owning service holds while it runs: engine, sessions, bus, outbox relay and event consumer."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.background import BackgroundTask
from shared.bus import KafkaBus
from shared.consumer import EventConsumer, Handler
from shared.db import create_engine, ping, session_factory
from shared.health import Check
from shared.idempotency import ProcessedEventsPurge
from shared.outbox import OutboxRelay
from shared.recovery import BrokerRecovery
from shared.settings import DatabaseSettings

log = logging.getLogger(__name__)

#: The launcher sends this to every service after it restarted the in-memory embedded broker.
REPLAY_SIGNAL = signal.SIGUSR1


class ServiceRuntime:
    """Starts and stops, in order, everything a service needs to consume, change state and emit events.

    `metadata` must hold the service's `processed_events` and `outbox` tables (see shared.idempotency and
    shared.outbox). With no `handlers`, no consumer is started.
    """

    def __init__(
        self,
        *,
        name: str,
        settings: DatabaseSettings,
        metadata: MetaData,
        consumer_topics: tuple[str, ...] = (),
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.database_url = settings.resolved_database_url(name)
        self.engine: AsyncEngine = create_engine(self.database_url, pool_size=settings.database_pool_size)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.bus = KafkaBus(settings.kafka_bootstrap_servers, client_id=name)
        self.relay = OutboxRelay(
            bus=self.bus,
            sessions=self.sessions,
            table=metadata.tables["outbox"],
            database_url=self.database_url,
            retention=timedelta(hours=settings.outbox_retention_hours),
        )
        self.consumer: EventConsumer | None = None
        if handlers:
            self.consumer = EventConsumer(
                bus=self.bus,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                group_id=name,
                topics=consumer_topics,
                handlers=handlers,
                sessions=self.sessions,
                processed=metadata.tables["processed_events"],
                fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
                on_committed=self.relay.wake,
            )
        self._extra_tasks: list[BackgroundTask] = [
            ProcessedEventsPurge(
                sessions=self.sessions,
                table=metadata.tables["processed_events"],
                retention=timedelta(days=settings.processed_events_retention_days),
            )
        ]
        self.recovery = BrokerRecovery(
            service=name, data_dir=settings.data_dir, relay=self.relay, consumer=self.consumer
        )
        self._replay_signal_installed = False
        self._replays: set[asyncio.Task[int | None]] = set()

    def add_task(self, task: BackgroundTask) -> None:
        """Run `task` (housekeeping, schedulers) while the runtime runs: started last, stopped first."""
        self._extra_tasks.append(task)

    async def start(self) -> None:
        self._listen_for_journal_replay()
        await self.bus.start()
        self.relay.start()
        if self.consumer is not None:
            self.consumer.start()
        for task in self._extra_tasks:
            task.start()
        self._start_recovery(signalled=False)  # a broker restarted while this service was down

    async def stop(self) -> None:
        if self._replay_signal_installed:
            asyncio.get_running_loop().remove_signal_handler(REPLAY_SIGNAL)
        for replay in list(self._replays):
            replay.cancel()
        await asyncio.gather(*self._replays, return_exceptions=True)
        for task in reversed(self._extra_tasks):
            await task.stop()
        if self.consumer is not None:
            await self.consumer.stop()
        await self.relay.stop()
        await self.bus.stop()
        await self.engine.dispose()

    def _listen_for_journal_replay(self) -> None:
        """On SIGUSR1 (sent by the launcher after it restarted the embedded broker), recover (shared.recovery)."""
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be installed from the main thread (not in some test harnesses)
        asyncio.get_running_loop().add_signal_handler(REPLAY_SIGNAL, self._start_recovery)
        self._replay_signal_installed = True

    def _start_recovery(self, signalled: bool = True) -> None:
        task = asyncio.create_task(self.recovery.recover(signalled=signalled), name="broker-recovery")
        self._replays.add(task)
        task.add_done_callback(self._replays.discard)

    def checks(self) -> dict[str, Check]:
        checks: dict[str, Check] = {"database": lambda: ping(self.engine), "broker": self.bus.ping}
        checks["outbox_relay"] = _alive(self.relay.running, "outbox relay stopped")
        if self.consumer is not None:
            checks["consumer"] = _alive(self.consumer.assigned, "consumer has not joined its group (or stopped)")
        return checks


def _alive(running: bool, message: str) -> Check:
    async def check() -> None:
        if not running:
            raise RuntimeError(message)

    return check
