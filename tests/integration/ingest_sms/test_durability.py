"""Twilio does not retry an SMS webhook: when the local database refuses the write, the SMS still goes to the
broker; only when both are unavailable does the answer ask for a retry (503)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ingest_sms.intake import event_id_for
from ingest_sms.models import outbox
from ingest_sms.normalize import sms_event
from shared import topics
from shared.bus import ensure_topics
from tests.integration.ingest_sms.support import PACKAGE_DIR, first_record, post_signed, running_sms, sms, sms_settings
from tests.support.polling import eventually
from tests.support.service_apps import outbox_events
from tests.support.service_databases import migrate

MESSAGE = sms("SM" + "d" * 32, "+84912345678", "Tiền bị trừ hai lần")


def unusable_database(tmp_path: Path) -> str:
    """A SQLite "file" that is a directory: every connection attempt fails."""
    directory = tmp_path / "not-a-database"
    directory.mkdir()
    return f"sqlite+aiosqlite:///{directory.as_posix()}"


async def test_with_the_database_down_an_sms_is_published_straight_to_the_broker(tmp_path: Path, broker: str) -> None:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    async with running_sms(sms_settings(unusable_database(tmp_path), broker)) as (app, client):
        app.state.edge.intake.write_deadline = 0.3  # retrying for seconds proves nothing more here

        async def answered() -> int | None:
            # The producer connects in the background at start-up: until then the broker is "down" too.
            response = await post_signed(client, "/twilio/sms", MESSAGE)
            return response.status_code if response.status_code == 200 else None

        assert await eventually(answered, what="the SMS accepted") == 200

    key, event = await first_record(broker, topics.COMPLAINTS_INBOUND)
    expected = sms_event(MESSAGE, received_at=event.time, default_region="VN").data
    assert (key, event.id, event.data["text"]) == (b"+84912345678", event_id_for(expected), "Tiền bị trừ hai lần")


async def test_with_the_database_and_the_broker_down_the_answer_is_a_retryable_503(
    tmp_path: Path, closed_bootstrap: str
) -> None:
    async with running_sms(sms_settings(unusable_database(tmp_path), closed_bootstrap)) as (app, client):
        app.state.edge.intake.write_deadline = 0.3
        response = await post_signed(client, "/twilio/sms", MESSAGE)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["type"].endswith("/storage-unavailable")


async def test_an_sms_published_straight_to_the_broker_joins_the_journal_once_the_database_answers(
    tmp_path: Path, broker: str
) -> None:
    """Otherwise a broker restart before case_service consumed it would lose an SMS Twilio was told was accepted."""
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    url = f"sqlite+aiosqlite:///{tmp_path / 'sms.db'}"
    await migrate(PACKAGE_DIR, url)
    async with running_sms(sms_settings(url, broker)) as (app, client):
        app.state.edge.intake.write_deadline = 0.3
        expected_id = event_id_for(sms_event(MESSAGE, received_at=datetime.now(UTC), default_region="VN").data)

        # Another transaction holds the service's only SQLite connection, so the SMS cannot be written in time.
        async with app.state.runtime.sessions() as blocking, blocking.begin():
            await blocking.execute(select(outbox.c.id).limit(1))

            async def answered() -> int | None:
                response = await post_signed(client, "/twilio/sms", MESSAGE)
                return response.status_code if response.status_code == 200 else None

            assert await eventually(answered, what="the SMS accepted while the database is busy") == 200

        async def journaled() -> list[dict[str, object]]:
            return [row for row in await outbox_events(app, outbox) if row["id"] == expected_id]

        rows = await eventually(journaled, what="the SMS written to the outbox once the database answered")
    assert [row["data"]["text"] for row in rows] == ["Tiền bị trừ hai lần"]  # type: ignore[index]
