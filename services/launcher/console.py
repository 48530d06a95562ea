"""What the launcher tells the person running it: short timestamped lines, problems on stderr."""

from __future__ import annotations

import sys
import time


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def warn(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def block(lines: list[str], indent: str = "    | ") -> str:
    """Lines quoted under a message, e.g. the last lines of a service's log."""
    return "\n".join(indent + line for line in lines)
