"""The embedded SQLite engine: calls run inline, and concurrent transactions in one process queue fairly."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import Column, Integer, String, Table, select, update

from shared.db import create_engine, new_metadata, session_factory
from tests.support.databases import sqlite_url

metadata = new_metadata()
counters = Table("counters", metadata, Column("name", String(20), primary_key=True), Column("value", Integer))


async def test_concurrent_read_modify_write_transactions_lose_no_update(tmp_path: Path):
    engine = create_engine(sqlite_url(tmp_path))
    threads_before = threading.active_count()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(counters.insert().values(name="cases", value=0))
        sessions = session_factory(engine)

        async def increment() -> None:
            async with sessions() as session, session.begin():
                current = (await session.execute(select(counters.c.value))).scalar_one()
                await asyncio.sleep(0)  # give every other task the chance to interleave
                await session.execute(update(counters).values(value=current + 1))

        await asyncio.gather(*(increment() for _ in range(50)))
        async with sessions() as session:
            assert (await session.execute(select(counters.c.value))).scalar_one() == 50
        assert threading.active_count() == threads_before, "no driver worker thread is started"
    finally:
        await engine.dispose()


async def test_rolled_back_transaction_leaves_nothing(tmp_path: Path):
    engine = create_engine(sqlite_url(tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        try:
            async with sessions() as session, session.begin():
                await session.execute(counters.insert().values(name="x", value=1))
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        async with sessions() as session:
            assert (await session.execute(select(counters))).all() == []
    finally:
        await engine.dispose()
