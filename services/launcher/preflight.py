"""Before anything starts: every service validates its settings, and the ones with a database migrate it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping

from services.launcher.catalog import ServiceSpec
from services.launcher.processes import run_to_completion
from shared.settings import INVALID_SETTINGS_EXIT

OUTPUT_LINES = 40

Environments = Mapping[str, Mapping[str, str]]
"""Each service's environment, by service name."""


class PreflightFailed(RuntimeError):
    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def check_settings(specs: tuple[ServiceSpec, ...], *, envs: Environments) -> None:
    """Run `python -m <module> check` for every service at once (each with its own environment from `envs`, by
    name); raise with their messages when one refuses."""
    results = await _run_each(specs, "check", envs=envs)
    failed = [(spec, code, output) for spec, (code, output) in zip(specs, results, strict=True) if code != 0]
    if not failed:
        return
    invalid = all(code == INVALID_SETTINGS_EXIT for _, code, _ in failed)
    lines = []
    for spec, code, output in failed:
        header = "settings refused by" if code == INVALID_SETTINGS_EXIT else f"settings check failed (exit {code}) for"
        lines.append(f"{header} {spec.name}:")
        lines.append(_last_lines(output))
    raise PreflightFailed("\n".join(lines), exit_code=INVALID_SETTINGS_EXIT if invalid else 1)


async def migrate(specs: tuple[ServiceSpec, ...], *, envs: Environments) -> list[str]:
    """Run `python -m <module> migrate` for the services with a database, at once; returns the names migrated."""
    with_database = tuple(spec for spec in specs if spec.has_database)
    results = await _run_each(with_database, "migrate", envs=envs)
    failed = [(spec, code, output) for spec, (code, output) in zip(with_database, results, strict=True) if code]
    if failed:
        lines = []
        for spec, code, output in failed:
            lines.append(f"migrating {spec.name} failed (exit {code}):")
            lines.append(_last_lines(output))
        raise PreflightFailed("\n".join(lines), exit_code=1)
    return [spec.name for spec in with_database]


async def _run_each(specs: tuple[ServiceSpec, ...], command: str, *, envs: Environments) -> list[tuple[int, str]]:
    # A TaskGroup, so that when one run fails or start-up is interrupted the others are stopped, not left behind.
    async with asyncio.TaskGroup() as group:
        runs = [group.create_task(_run_one(spec, command, env=envs[spec.name])) for spec in specs]
    return [run.result() for run in runs]


async def _run_one(spec: ServiceSpec, command: str, *, env: Mapping[str, str]) -> tuple[int, str]:
    return await run_to_completion([sys.executable, "-m", spec.module, command], env=env)


def _last_lines(output: str) -> str:
    """The end of a command's output, where a traceback names its cause; the console stays readable."""
    lines = output.rstrip().splitlines()
    if len(lines) <= OUTPUT_LINES:
        return "\n".join(lines)
    return "\n".join([f"... ({len(lines) - OUTPUT_LINES} earlier lines left out)", *lines[-OUTPUT_LINES:]])
