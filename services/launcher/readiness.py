"""Is a service ready: its /readyz answers 200 (its broker and database answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import httpx

POLL_SECONDS = 0.25


async def is_ready(client: httpx.AsyncClient, base_url: str) -> bool:
    try:
        response = await client.get(f"{base_url}/readyz", timeout=3)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def wait_until_ready(
    base_urls: Mapping[str, str],
    *,
    within: float,
    hopeless: Callable[[], bool] = lambda: False,
) -> set[str]:
    """Poll every service until all are ready, `within` seconds pass or `hopeless()`; returns the names ready."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    ready: set[str] = set()
    async with httpx.AsyncClient(trust_env=False) as client:  # local services, never via a proxy
        while True:
            waiting = [name for name in base_urls if name not in ready]
            answers = await asyncio.gather(*(is_ready(client, base_urls[name]) for name in waiting))
            ready.update(name for name, answer in zip(waiting, answers, strict=True) if answer)
            if len(ready) == len(base_urls) or loop.time() > deadline or hopeless():
                return ready
            await asyncio.sleep(POLL_SECONDS)


async def fetch_notes(base_urls: Mapping[str, str]) -> dict[str, list[str]]:
    """What each service says is switched off by its configuration (`GET /startup-notes`, where it has one)."""
    async with httpx.AsyncClient(trust_env=False) as client:
        answers = await asyncio.gather(*(_notes(client, url) for url in base_urls.values()))
    return {name: notes for name, notes in zip(base_urls, answers, strict=True) if notes}


async def _notes(client: httpx.AsyncClient, base_url: str) -> list[str]:
    try:
        response = await client.get(f"{base_url}/startup-notes", timeout=3)
        notes = response.json().get("notes", []) if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError, AttributeError):
        return []
    return [str(note) for note in notes] if isinstance(notes, list) else []
