"""The processed-events table: marks are found by batch, and forgotten once older than the retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.db import create_engine, new_metadata, session_factory
from shared.idempotency import ProcessedEventsPurge, mark_all_processed, processed_among, processed_events_table

metadata = new_metadata()
processed = processed_events_table(metadata)


async def test_marks_are_found_per_consumer_and_purged_after_the_retention(database_url: str):
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            await mark_all_processed(session, processed, consumer="case_service", event_ids=["e1", "e2"])
            await session.execute(
                processed.insert().values(
                    consumer="case_service", event_id="old", processed_at=datetime.now(UTC) - timedelta(days=8)
                )
            )
        async with sessions() as session:
            ids = ["e1", "e2", "e3", "old"]
            assert await processed_among(session, processed, consumer="case_service", event_ids=ids) == {
                "e1",
                "e2",
                "old",
            }
            assert await processed_among(session, processed, consumer="router_service", event_ids=ids) == set()

        purge = ProcessedEventsPurge(sessions=sessions, table=processed, retention=timedelta(days=7))
        assert await purge.purge() == 1
        async with sessions() as session:
            remaining = await processed_among(session, processed, consumer="case_service", event_ids=["e1", "old"])
            assert remaining == {"e1"}
    finally:
        await engine.dispose()
