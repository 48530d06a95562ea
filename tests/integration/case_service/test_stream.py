"""GET /v1/stream over a real HTTP server, on SQLite and PostgreSQL: each agent hears only of the cases assigned to
them (two agents listening at once), supervisors hear everything and the recurring-problem alerts, a heartbeat
keeps the stream alive, and nothing is told about a change that rolled back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from case_service import live
from case_service.deliveries import on_delivery_reported
from shared.cloudevents import new_event
from shared.events import AddressKind, Channel, DeliveryStatus, OutboundDeliveryReported
from tests.integration.case_service.builders import LAN, MINH, SUPERVISOR, received
from tests.integration.case_service.desk_kit import Desk, running_desk
from tests.support.polling import eventually

Event = tuple[str, dict[str, Any]]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app (its lifespan already entered) behind a real HTTP server: the ASGI test transport buffers streams."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _value(server.started), what="the HTTP server to start")
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


class Listener:
    """One open stream, read line by line."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines

    async def line(self) -> str:
        async with asyncio.timeout(15):
            return await anext(self.lines)

    async def event(self) -> Event:
        """The next event (comments and blank lines skipped)."""
        kind = ""
        while True:
            line = await self.line()
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                return kind, json.loads(line.removeprefix("data: "))

    async def until(self, last: Callable[[Event], bool]) -> list[Event]:
        """Every event up to and including the first for which `last` holds."""
        seen = [await self.event()]
        while not last(seen[-1]):
            seen.append(await self.event())
        return seen


@asynccontextmanager
async def listening(base_url: str, *callers: dict[str, str]) -> AsyncIterator[list[Listener]]:
    """A stream open for each caller, each past its `: connected` (so it hears everything from then on)."""
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=15))
        listeners = []
        for headers in callers:
            response = await stack.enter_async_context(client.stream("GET", "/v1/stream", headers=headers))
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            listener = Listener(response.aiter_lines())
            assert await listener.line() == ": connected"
            listeners.append(listener)
        yield listeners


def sms(number: str, text: str) -> Any:
    return received(number, kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text=text)


def about(case_id: str, kind: str | None = None) -> Callable[[Event], bool]:
    return lambda event: event[1].get("case_id") == case_id and (kind is None or event[0] == kind)


async def test_each_agent_hears_only_of_their_own_cases(desk: Desk) -> None:
    lans = await desk.deliver(sms("0912000001", "Where is my parcel?"))
    minhs = await desk.deliver(sms("0912000002", "The cup arrived broken."))
    await desk.assign(lans, "lan")
    await desk.assign(minhs, "minh")
    long_text = "Vẫn chưa thấy hàng đâu cả! " * 20

    async with serving(desk.api.app) as url, listening(url, LAN, MINH, SUPERVISOR) as (lan, minh, supervisor):
        # Minh's case changes first each time: if Lan's stream carried it, it would come before Lan's own.
        await desk.deliver(sms("0912000002", "Any news about the cup?"))
        await desk.deliver(sms("0912000001", long_text))
        reply = await desk.client.post(f"/v1/cases/{lans}/reply", json={"text": "On its way."}, headers=LAN)
        assert reply.status_code == 200, reply.text
        [answer] = [m for m in reply.json()["messages"] if m["purpose"] == "reply"]
        await report_delivery(desk, lans, answer["provider_message_id"])
        moved = await desk.client.patch(f"/v1/cases/{minhs}", json={"priority": "high"}, headers=SUPERVISOR)
        assert moved.status_code == 200, moved.text
        desk.clock.advance(hours=20)  # Minh's first response is overdue; both resolution targets are at risk
        await desk.run_scheduler()
        await desk.deliver(sms("0912000001", "fence for Lan"))
        await desk.deliver(sms("0912000002", "fence for Minh"))

        heard_by_lan = await lan.until(lambda e: e[0] == "message.added" and e[1]["preview"] == "fence for Lan")
        heard_by_minh = await minh.until(lambda e: e[0] == "message.added" and e[1]["preview"] == "fence for Minh")
        heard_by_supervisor = await supervisor.until(lambda e: e[1].get("preview") == "fence for Minh")

    assert {data["case_id"] for _, data in heard_by_lan} == {lans}
    assert {data["case_id"] for _, data in heard_by_minh} == {minhs}
    assert {data["case_id"] for _, data in heard_by_supervisor} == {lans, minhs}
    assert len(heard_by_supervisor) == len(heard_by_lan) + len(heard_by_minh)

    [customer, sent] = [data for kind, data in heard_by_lan if kind == "message.added"][:2]
    assert customer == {
        "case_id": lans,
        "message_id": customer["message_id"],
        "channel": "sms",
        "direction": "inbound",
        "author": "customer",
        "preview": long_text[:200],
        "occurred_at": customer["occurred_at"],
    }
    assert datetime.fromisoformat(customer["occurred_at"]).tzinfo is not None
    assert (sent["direction"], sent["author"], sent["preview"], sent["message_id"]) == (
        "outbound",
        "agent",
        "On its way.",
        answer["id"],
    )
    [delivered] = [data for kind, data in heard_by_lan if kind == "delivery.updated"]
    assert (delivered["message_id"], delivered["status"]) == (answer["id"], "delivered")
    assert [(kind, data["clock"]) for kind, data in heard_by_lan if kind.startswith("sla.")] == [
        ("sla.at_risk", "resolution")
    ]

    minh_kinds = [(kind, data.get("clock")) for kind, data in heard_by_minh if kind != "message.added"]
    assert ("case.updated", None) in minh_kinds
    assert {("sla.at_risk", "first_response"), ("sla.breached", "first_response")} <= set(minh_kinds)
    [updated] = [data for kind, data in heard_by_minh if kind == "case.updated"]
    assert updated == {"case_id": minhs, "status": "open", "assignee_agent_id": "minh"}
    breached = next(data for kind, data in heard_by_minh if kind == "sla.breached")
    assert datetime.fromisoformat(breached["due_at"]) < desk.clock.now


async def test_an_assignment_tells_the_new_agent_and_alerts_reach_supervisors_only(
    database_url: str, broker: str
) -> None:
    async with running_desk(database_url, broker, recurring_min_customers=3) as desk:
        first = await desk.deliver(sms("0912000010", "My order has not arrived."))
        async with serving(desk.api.app) as url, listening(url, LAN, SUPERVISOR) as (lan, supervisor):
            await desk.assign(first, "lan")
            for n in (11, 12):
                desk.clock.advance(minutes=5)
                await desk.deliver(sms(f"09120000{n}", "My order has not arrived yet."))
            await desk.deliver(sms("0912000010", "fence for Lan"))

            heard_by_lan = await lan.until(lambda e: e[1].get("preview") == "fence for Lan")
            heard_by_supervisor = await supervisor.until(lambda e: e[1].get("preview") == "fence for Lan")
        listed = await desk.get("/v1/alerts", SUPERVISOR)

    assert heard_by_lan[0] == ("case.updated", {"case_id": first, "status": "open", "assignee_agent_id": "lan"})
    assert {data["case_id"] for _, data in heard_by_lan} == {first}
    [raised] = [data for kind, data in heard_by_supervisor if kind == "alert.raised"]
    assert (raised["kind"], raised["value"], raised["customer_count"]) == ("category", "delivery_delay", 3)
    assert first in raised["case_ids"] and raised["acknowledged_at"] is None
    assert listed["items"] == [raised]


async def test_a_quiet_stream_gets_a_heartbeat_and_needs_a_caller(database_url: str, broker: str) -> None:
    async with running_desk(database_url, broker, stream_heartbeat_seconds=0.2) as desk:
        assert (await desk.client.get("/v1/stream")).status_code == 401
        async with serving(desk.api.app) as url, listening(url, LAN) as (lan,):
            lines = [await lan.line()]
            while lines.count(": ping") < 2:
                lines.append(await lan.line())
    assert {line for line in lines if line} == {": ping"}


async def test_nothing_is_told_about_a_change_that_rolled_back(desk: Desk) -> None:
    case_id = await desk.deliver(sms("0912000003", "Hello?"))
    await desk.assign(case_id, "lan")
    broadcaster: live.Broadcaster = desk.api.app.state.broadcaster
    async with broadcaster.subscribe("lan") as listener:
        with pytest.raises(RuntimeError):
            async with desk.session() as session, session.begin():
                await desk.handlers.on_message_received(session, *_envelope(sms("0912000003", "never stored")))
                raise RuntimeError("the transaction fails after the message was added")
        await desk.deliver(sms("0912000003", "stored"))
        told = await listener.queue.get()
        assert told is not None and told.data["preview"] == "stored"
        assert listener.queue.empty()


async def report_delivery(desk: Desk, case_id: str, provider_message_id: str) -> None:
    data = OutboundDeliveryReported(
        outbound_id=provider_message_id.removeprefix("out-"),
        case_id=case_id,
        channel=Channel.SMS,
        provider="test",
        status=DeliveryStatus.DELIVERED,
        reported_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    async with desk.session() as session, session.begin():
        await on_delivery_reported(session, new_event(data, source="test"), data)


def _envelope(data: Any) -> tuple[Any, Any]:
    return new_event(data, source="test"), data


async def _value(value: bool) -> bool:
    return value
