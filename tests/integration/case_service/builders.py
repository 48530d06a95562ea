"""Inbound events as an ingest adapter would publish them, and ways to read back what case_service wrote."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from case_service.models import Base, outbox
from case_service.settings import CaseServiceSettings
from shared.cloudevents import CloudEvent, new_event
from shared.events import AddressKind, CaseAssigned, Channel, ComplaintMessageReceived, Sender
from shared.settings import hash_api_key
from shared.tokens import Principal, Role, issue_token

API_KEY = "test-key-0123456789abcdef"


def settings_for(database_url: str, broker: str = "127.0.0.1:1") -> CaseServiceSettings:
    return CaseServiceSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        api_key_hashes=hash_api_key(API_KEY),
    )


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


def received(
    address: str = "an.customer@example.com",
    *,
    kind: AddressKind = AddressKind.EMAIL,
    channel: Channel = Channel.EMAIL,
    provider_message_id: str | None = None,
    text: str = "My order never arrived.",
    subject: str | None = "Missing order",
    language: str | None = "en",
    display_name: str | None = "An Customer",
    customer_ref: str | None = None,
    received_at: datetime | None = None,
) -> ComplaintMessageReceived:
    return ComplaintMessageReceived(
        channel=channel,
        provider="test",
        provider_message_id=provider_message_id or f"pm-{uuid.uuid4().hex}",
        received_at=received_at or datetime.now(UTC),
        sender=Sender(kind=kind, address=address, raw=address, display_name=display_name),
        subject=subject,
        text=text,
        language=language,
        customer_ref=customer_ref,
    )


def envelope(data: ComplaintMessageReceived | CaseAssigned, *, correlation_id: str | None = None) -> CloudEvent:
    return new_event(data, source="test", correlation_id=correlation_id)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


async def count(engine: AsyncEngine, table_name: str) -> int:
    table = Base.metadata.tables[table_name]
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def outbox_events(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every outbox row in order, the CloudEvent decoded, plus the row's topic and key."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(outbox).order_by(outbox.c.id))).all()
    return [{**json.loads(row.payload), "_topic": row.topic, "_key": row.key} for row in rows]


SIGNING_KEY = "case-service-test-signing-key-0123456789abcdef"


def signed_settings_for(database_url: str, broker: str = "127.0.0.1:1", **overrides: Any) -> CaseServiceSettings:
    """`settings_for` with a token signing key, so agent and supervisor tokens (`token_auth`) are accepted."""
    return settings_for(database_url, broker).model_copy(
        update={"token_signing_key": SecretStr(SIGNING_KEY), **overrides}
    )


def token_auth(role: Role = Role.AGENT, agent_id: str | None = None) -> dict[str, str]:
    """A bearer header with a token signed by SIGNING_KEY, for an agent (give `agent_id`) or another role."""
    issued = issue_token(SIGNING_KEY, principal=Principal(role, agent_id=agent_id), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.token}"}


# Bearer headers of the callers most tests use: a supervisor and two agents.
SUPERVISOR = token_auth(Role.SUPERVISOR)
LAN = token_auth(agent_id="lan")
MINH = token_auth(agent_id="minh")


def assigned(case_id: str, agent_id: str, *, at: datetime | None = None) -> CaseAssigned:
    return CaseAssigned(case_id=case_id, agent_id=agent_id, assigned_at=at or datetime.now(UTC))
