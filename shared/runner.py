"""The command line of every service process: `python -m <service> serve|migrate|check`."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.migrations import upgrade
from shared.runtime import REPLAY_SIGNAL
from shared.settings import DatabaseSettings, ServiceSettings, load_settings_or_exit

S = TypeVar("S", bound=ServiceSettings)


def run_service(
    *,
    name: str,
    env_prefix: str,
    settings_class: type[S],
    create_app: Callable[[S], FastAPI],
    package_dir: Path,
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    parser.add_argument("command", choices=["serve", "migrate", "check"], nargs="?", default="serve")
    args = parser.parse_args(argv)
    settings = load_settings_or_exit(settings_class, env_prefix)
    configure_logging(name, settings.log_level)
    if args.command == "check":
        return
    if args.command == "migrate":
        if isinstance(settings, DatabaseSettings):
            upgrade(package_dir, settings.resolved_database_url(name))
        return
    # Until a runtime installs its handler, a journal-replay request must not kill the process (SIGUSR1's default).
    signal.signal(REPLAY_SIGNAL, signal.SIG_IGN)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
