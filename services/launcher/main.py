"""The launcher's commands: `run` (start everything, supervise, stop on Ctrl-C or SIGTERM) and `migrate`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine, Iterator
from typing import Any

from services.launcher import preflight
from services.launcher.catalog import select
from services.launcher.console import say, warn
from services.launcher.launch import Launch, StartupFailed, child_environments
from services.launcher.settings import LauncherSettings, load_launcher_settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run() -> int:
    """Start the platform and keep it running until asked to stop; the process exit code."""
    return asyncio.run(_run(load_launcher_settings()))


def migrate() -> int:
    """Only migrate the databases (for deploys); the process exit code."""
    return asyncio.run(_migrate(load_launcher_settings()))


async def _run(settings: LauncherSettings) -> int:
    launch = Launch(settings)
    stop_requested = asyncio.Event()
    with _stop_on_signals(stop_requested):
        try:
            if not await _unless(stop_requested, launch.start()):
                return 0
            await _unless(stop_requested, launch.failed.wait())
            return 0 if stop_requested.is_set() else 1
        except StartupFailed as failure:
            warn(str(failure))
            return failure.exit_code
        finally:
            await launch.shutdown()


async def _migrate(settings: LauncherSettings) -> int:
    specs = tuple(spec for spec in select(settings.selected_names()) if spec.has_database)
    bootstrap = settings.external_bootstrap() or settings.embedded_bootstrap()
    envs = child_environments(specs, settings=settings, bootstrap=bootstrap, key_hashes=settings.api_key_hashes.strip())
    try:
        await preflight.check_settings(specs, envs=envs)
        migrated = await preflight.migrate(specs, envs=envs)
    except preflight.PreflightFailed as failure:
        warn(str(failure))
        return failure.exit_code
    say(f"migrated the databases of {', '.join(migrated) or 'no service'}")
    return 0


async def _unless(stop: asyncio.Event, work: Coroutine[Any, Any, object]) -> bool:
    """Run `work` unless `stop` is set first (then cancel it); True when `work` finished."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopper.cancel()
        task.result()  # re-raises what start-up raised
        return True
    task.cancel()
    # Whatever the interrupted work was doing, stopping is what was asked for: its errors no longer matter.
    await asyncio.gather(task, return_exceptions=True)
    return False


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
