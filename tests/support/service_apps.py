"""Running a service's app in tests (its lifespan, an httpx client on it) and reading its outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Table, select

from shared.db import create_engine


@asynccontextmanager
async def serving(app: FastAPI, *, consume: bool, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running; its consumer only with `consume` (joining a group costs ~5 s)."""
    if not consume:
        app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def outbox_events(where: FastAPI | str, outbox: Table) -> list[dict[str, Any]]:
    """Every outbox row in order: the CloudEvent decoded, plus the row's topic and key.

    Read through the running app's own sessions when given the app: SQLite runs inline on the event loop, so a
    second connection holding the write lock while the app waits for it would block the loop (and itself).
    """
    query = select(outbox).order_by(outbox.c.id)
    if isinstance(where, FastAPI):
        async with where.state.runtime.sessions() as session:
            rows = (await session.execute(query)).all()
    else:
        engine = create_engine(where)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(query)).all()
        finally:
            await engine.dispose()
    return [{**json.loads(row.payload), "_topic": row.topic, "_key": row.key} for row in rows]
