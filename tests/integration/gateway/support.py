"""Helpers of the gateway tests: settings, the app behind an httpx client, and reading a topic from the start."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

import services.gateway
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.settings import hash_api_key
from tests.support.polling import eventually

API_KEY = "test-key-0123456789abcdef"
PACKAGE_DIR = Path(services.gateway.__file__).parent


def gateway_settings(database_url: str, bootstrap: str) -> GatewaySettings:
    return GatewaySettings(
        database_url=database_url, kafka_bootstrap_servers=bootstrap, api_key_hashes=hash_api_key(API_KEY)
    )


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, *, consume: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running, and a client that sends the API key.

    Its dead-letter consumer runs only with `consume`: joining a group costs seconds, and a consumer stopped while
    still joining is never closed (shared.consumer starts it outside its try/finally), which holds the broker open.
    """
    app = create_app(settings)
    if not consume:
        app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway", headers=headers) as client:
            yield app, client


Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]


async def read_records(bootstrap: str, topic: str, *, until: Callable[[list[Record]], bool], what: str) -> list[Record]:
    """(key, value, headers) of the records on `topic`, read from the start until `until(records)` is true."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, fetch_max_wait_ms=60
    )
    await consumer.start()
    records: list[Record] = []
    try:

        async def probe() -> bool:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend((r.key, r.value or b"", list(r.headers)) for r in batch)
            return until(records)

        await eventually(probe, what=what)
    finally:
        await consumer.stop()
    return records
