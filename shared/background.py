"""A long-running asyncio task a service starts in its lifespan and cancels on shutdown."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class BackgroundTask(ABC):
    """Subclasses implement `run()` (usually a loop); `start()`/`stop()` manage the task around it."""

    task_name = "background"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def run(self) -> None: ...

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()


class PeriodicTask(BackgroundTask):
    """Calls `tick()` every `interval` seconds; a failing tick is logged and tried again at the next one."""

    def __init__(self, *, interval: float) -> None:
        super().__init__()
        self.interval = interval

    @abstractmethod
    async def tick(self) -> None: ...

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self.task_name, self.interval)
            await asyncio.sleep(self.interval)


async def run_batches(
    batch: Callable[[], Awaitable[int]], *, name: str, size: int, wake: asyncio.Event, poll_seconds: float
) -> None:
    """Calls `batch()` (which returns how many items it handled) for ever: again at once after a full batch, else
    when `wake` is set or `poll_seconds` have passed; a failing batch is logged and tried again a second later."""
    while True:
        try:
            handled = await batch()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; will retry", name)
            handled = 0
            await asyncio.sleep(1)
        if handled < size:
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
