"""Child processes: spawn them tied to the launcher's life, run one to completion, stop one, read its log's tail."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

Process = asyncio.subprocess.Process

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when the launcher dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the forked child should do as little as possible
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


async def spawn(argv: Sequence[str], *, env: Mapping[str, str], log_path: Path) -> Process:
    """Start a long-running child writing stdout and stderr to `log_path` (appended across restarts).

    The child gets its own process group so that Ctrl-C in the terminal reaches only the launcher, which then
    stops the children in order instead of having them all race to exit.

    Spawning must happen on the launcher's main thread: Linux sends the death signal when the spawning *thread*
    exits, so a child started from a worker thread would be killed with that thread.
    """
    log = _open_log(log_path)
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            preexec_fn=_die_with_parent(),
            process_group=0,
        )
    finally:
        log.close()


def _open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")


async def run_to_completion(argv: Sequence[str], *, env: Mapping[str, str]) -> tuple[int, str]:
    """Run a short command (a service's `check` or `migrate`); returns its exit code and combined output."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        preexec_fn=_die_with_parent(),
        process_group=0,
    )
    try:
        output, _ = await process.communicate()
    except asyncio.CancelledError:
        await stop(process, grace=0)
        raise
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def stop(process: Process, *, grace: float) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL; returns once the process is gone (and reaped)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            if grace > 0:
                process.terminate()
            else:
                process.kill()
        try:
            await asyncio.wait_for(process.wait(), timeout=grace if grace > 0 else None)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    await process.wait()


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def tail(path: Path, lines: int = 12) -> list[str]:
    """The last lines of a log file (the file may be large: only its end is read)."""
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - 16_384))
            text = log.read().decode(errors="replace")
    except FileNotFoundError:
        return []
    return text.splitlines()[-lines:]
