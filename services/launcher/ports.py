"""Can a server listen on a TCP port, and when does something answer on one."""

from __future__ import annotations

import asyncio
import errno
import socket


def listen_problem(port: int, host: str = "127.0.0.1") -> str | None:
    """Why a server could not bind `host:port` now, or None when it could.

    SO_REUSEADDR, as servers set it, so that a port in TIME_WAIT after a restart does not count as taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} is already in use"
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


async def accepts_connections(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True
