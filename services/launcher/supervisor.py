"""Keeps processes running: a process that exits is reported and restarted, up to a limit, then given up on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.launcher.console import block, say, warn
from services.launcher.processes import Process, describe_exit, stop, tail

MAX_BACKOFF_SECONDS = 10.0
TAIL_LINES = 10
TAIL_LINE_CHARS = 300


@dataclass(eq=False)
class Managed:
    """One supervised process. `start` spawns it and returns once it is usable enough to watch."""

    name: str
    start: Callable[[], Awaitable[Process]]
    log_path: Path
    after_restart: Callable[[Managed], Coroutine[Any, Any, None]] | None = None
    on_give_up: Callable[[Managed], None] | None = None
    process: Process | None = None
    restarts: int = 0
    state: str = "starting"
    _follow_up: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Supervisor:
    def __init__(self, *, restart_limit: int) -> None:
        self.restart_limit = restart_limit
        self.managed: list[Managed] = []
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = False

    async def launch(self, managed: Managed) -> None:
        """Start the process (an error here is start-up's to report) and watch it from then on."""
        self.managed.append(managed)
        managed.process = await managed.start()
        self._watchers.append(asyncio.create_task(self._watch(managed), name=f"watch-{managed.name}"))

    def gave_up(self) -> list[Managed]:
        return [managed for managed in self.managed if managed.state == "gave up"]

    async def _watch(self, managed: Managed) -> None:
        while True:
            assert managed.process is not None
            code = await managed.process.wait()
            if self._stopping:
                return
            _cancel(managed._follow_up)
            warn(
                f"{managed.name} (pid {managed.process.pid}) exited ({describe_exit(code)}); "
                f"last lines of {managed.log_path}:\n" + block(_last_lines(managed.log_path))
            )
            if not await self._restart(managed):
                return

    async def _restart(self, managed: Managed) -> bool:
        """Start the process again, within the restart limit; False once given up."""
        while managed.restarts < self.restart_limit:
            managed.restarts += 1
            managed.state = "restarting"
            delay = min(2.0 ** (managed.restarts - 1), MAX_BACKOFF_SECONDS)  # do not spin on a crash loop
            say(f"restarting {managed.name} in {delay:.0f} s (restart {managed.restarts} of {self.restart_limit})")
            await asyncio.sleep(delay)
            try:
                managed.process = await managed.start()
            except Exception as error:  # any failure to start is one failed attempt, reported, not fatal here
                warn(f"restarting {managed.name} failed: {error}")
                continue
            managed.state = "starting"
            say(f"restarted {managed.name} (pid {managed.process.pid})")
            if managed.after_restart is not None:
                managed._follow_up = asyncio.create_task(managed.after_restart(managed))
            return True
        managed.state = "gave up"
        warn(f"gave up on {managed.name} after {managed.restarts} restarts; see {managed.log_path}")
        if managed.on_give_up is not None:
            managed.on_give_up(managed)
        return False

    async def stop(self, *, grace: float) -> None:
        """Stop watching, then stop every process at once (SIGTERM, then SIGKILL after `grace` seconds)."""
        self._stopping = True
        for task in self._watchers:
            task.cancel()
        follow_ups = [m._follow_up for m in self.managed if m._follow_up is not None]
        for task in follow_ups:
            task.cancel()
        await asyncio.gather(*self._watchers, *follow_ups, return_exceptions=True)
        await asyncio.gather(*(stop(m.process, grace=grace) for m in self.managed if m.process is not None))


def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None and not task.done():
        task.cancel()


def _last_lines(path: Path) -> list[str]:
    lines = tail(path, TAIL_LINES)
    return [line if len(line) <= TAIL_LINE_CHARS else line[:TAIL_LINE_CHARS] + "..." for line in lines] or ["(empty)"]
