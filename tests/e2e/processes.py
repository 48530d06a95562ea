"""Looking at a process tree through /proc: what a launcher started, and whether any of it is still running."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may hold spaces: the fields after it are split safely.
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> set[int]:
    """Every process whose chain of parents leads to `root`."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def is_running(pid: int) -> bool:
    """True unless the process is gone or only a zombie waiting to be reaped."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in {"Z", "X"}


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


async def record_descendants(root: int, seen: dict[int, str]) -> None:
    """Until cancelled, add every descendant of `root` (with its command line) to `seen`."""
    while True:
        for pid in descendants(root) - seen.keys():
            seen[pid] = command_line(pid)
        await asyncio.sleep(0.1)


def still_running(pids: dict[int, str]) -> dict[int, str]:
    return {pid: command for pid, command in pids.items() if is_running(pid) and pid != os.getpid()}
