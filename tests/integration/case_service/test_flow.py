"""The service as the platform runs it: events in over the real broker, events out through the outbox relay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from shared import topics
from shared.bus import KafkaBus
from shared.cloudevents import CloudEvent, decode, new_event
from shared.events import AddressKind, CaseAssigned, CaseEscalated, Channel
from tests.integration.case_service.builders import auth, received
from tests.support.polling import eventually


async def first_event_of_type(broker: str, topic: str, event_type: str) -> tuple[bytes | None, CloudEvent]:
    """The key and envelope of the first `event_type` record on `topic`, read without joining a group."""
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest", fetch_max_wait_ms=60
    )
    await reader.start()
    try:

        async def probe() -> tuple[bytes | None, CloudEvent] | None:
            for batch in (await reader.getmany(timeout_ms=200)).values():
                for record in batch:
                    if record.value is not None and (event := decode(record.value)).type == event_type:
                        return record.key, event
            return None

        return await eventually(probe, within=30, what=f"{event_type} on {topic}")
    finally:
        await reader.stop()


async def test_published_complaint_opens_a_case_is_acknowledged_assigned_and_escalated(
    consuming_service: tuple[FastAPI, httpx.AsyncClient], broker: str
) -> None:
    _, client = consuming_service
    bus = KafkaBus(broker, client_id="test-ingest")
    await bus.start()
    try:
        data = received(
            "0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, text="Charged twice this month", subject=None
        )
        await bus.publish(
            topics.COMPLAINTS_INBOUND,
            new_event(data, source="ingest_sms", correlation_id="flow-1"),
            key=data.sender.address,
        )

        key, opened = await first_event_of_type(broker, topics.CASES_EVENTS, "case.opened.v1")
        case_id = opened.data["case_id"]
        assert key == case_id.encode()
        assert (opened.source, opened.subject, opened.correlationid) == ("case_service", case_id, "flow-1")
        assert (opened.data["category"], opened.data["priority"]) == ("billing_refund", "normal")
        _, ack = await first_event_of_type(broker, topics.OUTBOUND_MESSAGES, "outbound.message.requested.v1")
        assert (ack.data["case_id"], ack.data["purpose"], ack.data["channel"]) == (case_id, "acknowledgement", "sms")
        assert ack.data["to"]["address"] == "+84912345678"
        assert opened.data["case_reference"] in ack.data["text"]

        case = (await client.get(f"/v1/cases/{case_id}", headers=auth())).json()
        assert (case["reference"], case["status"], case["channel"]) == (opened.data["case_reference"], "new", "sms")
        assert [(m["direction"], m["text"]) for m in case["messages"]] == [
            ("inbound", "Charged twice this month"),
            ("outbound", ack.data["text"]),
        ]

        assigned = CaseAssigned(case_id=case_id, agent_id="agent-7", assigned_at=datetime.now(UTC))
        await bus.publish(topics.ROUTING_EVENTS, new_event(assigned, source="router_service"), key=case_id)
        escalated = CaseEscalated(
            case_id=case_id, supervisor_id="sup-1", reason="SLA breached", escalated_at=datetime.now(UTC)
        )
        await bus.publish(topics.ROUTING_EVENTS, new_event(escalated, source="router_service"), key=case_id)

        async def escalated_case() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get(f"/v1/cases/{case_id}", headers=auth())).json()
            return body if body["escalated"] else None

        case = await eventually(escalated_case, what="the escalation on the case")
        assert (case["assignee_agent_id"], case["status"], case["escalation_reason"]) == (
            "agent-7",
            "open",
            "SLA breached",
        )
        kinds = [entry["kind"] for entry in case["timeline"]]
        assert {"case_opened", "classified", "acknowledgement_sent", "assigned", "escalated"} <= set(kinds)
    finally:
        await bus.stop()
