"""A long-running asyncio task a service starts in its lifespan and cancels on shutdown."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod

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
