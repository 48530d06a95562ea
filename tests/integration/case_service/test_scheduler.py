"""The scheduler on SQLite and PostgreSQL: SLA at risk and breached, and follow-ups, announced when due (not before,
not while the case waits on the customer, not outside business hours), once each even with several instances, and
on time in the running service with no message arriving."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from case_service.app import create_app
from case_service.handlers import CaseHandlers
from case_service.lifecycle import CaseAction
from case_service.models import Case, FollowUp, Survey, TimelineEntry
from case_service.policy import CasePolicy, policy_from
from case_service.scheduler import Scheduler
from case_service.settings import CaseServiceSettings
from case_service.timeline import Actor
from case_service.transitions import change_status
from shared import topics
from shared.bus import ensure_topics
from shared.cloudevents import EventData, new_event
from shared.db import create_engine, session_factory
from shared.events import AddressKind, CaseAssigned, Channel, ComplaintMessageReceived
from tests.integration.case_service.builders import outbox_events, received, settings_for
from tests.support.polling import eventually

Sessions = async_sessionmaker[AsyncSession]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
AGENT = Actor("agent", "lan")
# Every priority gets the same short targets, whatever the classification decides: due and at-risk times are simple.
TEN_AND_SIXTY = {
    p: {"first_response_minutes": 10, "resolution_minutes": 60} for p in ("low", "normal", "high", "urgent")
}
PHONE = "+84901234567"
BY_SMS: dict[str, Any] = {"kind": AddressKind.PHONE, "channel": Channel.SMS, "subject": None}
SLA_EVENTS = ("case.sla_at_risk.v1", "case.sla_breached.v1")


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


class Desk:
    """The inbound handlers and agent actions under a clock the test sets, and schedulers on the same database."""

    def __init__(self, settings: CaseServiceSettings, sessions: Sessions) -> None:
        self.settings = settings
        self.sessions = sessions
        self.policy: CasePolicy = policy_from(settings)
        self.clock = Clock()
        self.handlers = CaseHandlers(settings, self.policy, clock=self.clock)
        self.wakes = 0

    def scheduler(self, sessions: Sessions | None = None) -> Scheduler:
        return Scheduler(sessions or self.sessions, policy=self.policy, settings=self.settings, wake=self._woken)

    def _woken(self) -> None:
        self.wakes += 1

    async def deliver(self, data: EventData) -> None:
        event = new_event(data, source="test")
        async with self.sessions() as session, session.begin():
            await self.handlers.mapping()[event.type](session, event, data)

    async def open_case(self, address: str = "an.customer@example.com", *, at: datetime = T0, **changes: Any) -> str:
        self.clock.now = at
        await self.deliver(received(address, received_at=at, **changes))
        async with self.sessions() as session:
            query = select(Case.id).order_by(Case.opened_at.desc(), Case.reference.desc()).limit(1)
            return (await session.execute(query)).scalar_one()

    async def write_again(self, address: str, *, at: datetime, **changes: Any) -> None:
        self.clock.now = at
        await self.deliver(received(address, received_at=at, **{"subject": None, "text": "Any news?", **changes}))

    async def assign(self, case_id: str, agent_id: str, *, at: datetime) -> None:
        self.clock.now = at
        await self.deliver(CaseAssigned(case_id=case_id, agent_id=agent_id, assigned_at=at))

    async def act(self, case_id: str, action: CaseAction, *, at: datetime, **extra: Any) -> None:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            assert case is not None
            await change_status(session, case=case, action=action, actor=AGENT, policy=self.policy, now=at, **extra)

    async def case(self, case_id: str) -> Case:
        async with self.sessions() as session:
            case = await session.get(Case, case_id)
            assert case is not None
            return case

    async def timeline_kinds(self, case_id: str) -> list[str]:
        async with self.sessions() as session:
            query = select(TimelineEntry.kind).where(TimelineEntry.case_id == case_id).order_by(TimelineEntry.at)
            return list((await session.execute(query)).scalars())


def desk_for(database_url: str, engine: AsyncEngine, **settings: Any) -> Desk:
    return Desk(settings_for(database_url).model_copy(update=settings), session_factory(engine))


def events_of(rows: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["type"] in types]


def signals(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(event type without version, SLA target) of every SLA event, in order."""
    return [(row["type"].split(".")[1], row["data"]["target"]) for row in events_of(rows, *SLA_EVENTS)]


def at(row: dict[str, Any], field: str) -> datetime:
    return datetime.fromisoformat(row["data"][field])


async def test_sla_at_risk_then_breached_each_announced_once_when_due(database_url: str, engine: AsyncEngine) -> None:
    desk = desk_for(database_url, engine, sla_targets=TEN_AND_SIXTY)
    case_id = await desk.open_case()
    scheduler = desk.scheduler()

    assert await scheduler.run_due(now=T0 + timedelta(minutes=7, seconds=59)) == 0
    assert await scheduler.run_due(now=T0 + timedelta(minutes=8)) == 1
    assert await scheduler.run_due(now=T0 + timedelta(minutes=9)) == 0  # announced once
    assert (await desk.case(case_id)).sla_status == "at_risk"
    assert await scheduler.run_due(now=T0 + timedelta(minutes=10)) == 1
    assert (await desk.case(case_id)).sla_status == "breached"
    assert await scheduler.run_due(now=T0 + timedelta(hours=2)) == 2  # the resolution target: at risk and breached

    rows = await outbox_events(engine)
    assert signals(rows) == [
        ("sla_at_risk", "first_response"),
        ("sla_breached", "first_response"),
        ("sla_at_risk", "resolution"),
        ("sla_breached", "resolution"),
    ]
    at_risk, breached, *_ = events_of(rows, *SLA_EVENTS)
    assert (at_risk["_topic"], at_risk["_key"], at_risk["subject"]) == (topics.CASES_EVENTS, case_id, case_id)
    assert at_risk["data"]["case_id"] == case_id
    assert at(at_risk, "due_at") == at(breached, "due_at") == T0 + timedelta(minutes=10)
    assert at(at_risk, "at") == T0 + timedelta(minutes=8)
    kinds = await desk.timeline_kinds(case_id)
    assert Counter(k for k in kinds if k.startswith("sla_")) == {"sla_at_risk": 2, "sla_breached": 2}
    assert desk.wakes == 4  # after each commit that announced something (at risk and breached commit apart)


async def test_a_target_met_in_time_is_never_announced(database_url: str, engine: AsyncEngine) -> None:
    desk = desk_for(database_url, engine, sla_targets=TEN_AND_SIXTY)
    case_id = await desk.open_case()
    await desk.act(case_id, CaseAction.RESOLVE, at=T0 + timedelta(minutes=5))

    assert await desk.scheduler().run_due(now=T0 + timedelta(days=2)) == 0
    assert signals(await outbox_events(engine)) == []
    assert (await desk.case(case_id)).sla_status == "met"


async def test_a_case_waiting_on_the_customer_does_not_breach(database_url: str, engine: AsyncEngine) -> None:
    desk = desk_for(database_url, engine, sla_targets=TEN_AND_SIXTY)
    case_id = await desk.open_case(PHONE, **BY_SMS)
    await desk.act(case_id, CaseAction.AWAIT_CUSTOMER, at=T0 + timedelta(minutes=5))
    scheduler = desk.scheduler()

    assert await scheduler.run_due(now=T0 + timedelta(days=1)) == 0

    # The customer answers a day later: the clocks run again with the 5 minutes already used.
    back = T0 + timedelta(days=1)
    await desk.write_again(PHONE, at=back, **BY_SMS)  # an SMS joins the customer's open SMS case
    assert (await desk.case(case_id)).status == "open"
    assert await scheduler.run_due(now=back + timedelta(minutes=2, seconds=59)) == 0
    assert await scheduler.run_due(now=back + timedelta(minutes=3)) == 1
    assert await scheduler.run_due(now=back + timedelta(minutes=5)) == 1
    rows = await outbox_events(engine)
    assert signals(rows) == [("sla_at_risk", "first_response"), ("sla_breached", "first_response")]
    assert at(events_of(rows, "case.sla_breached.v1")[0], "due_at") == back + timedelta(minutes=5)


async def test_a_clock_outside_business_hours_is_not_due_yet(database_url: str, engine: AsyncEngine) -> None:
    weekdays = {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    hours = {"timezone": "Asia/Ho_Chi_Minh", "hours": weekdays}  # UTC+7
    desk = desk_for(database_url, engine, sla_targets=TEN_AND_SIXTY, business_hours=hours)
    saturday = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)  # 10:00 on a Saturday in Ho Chi Minh City
    monday_opening = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 08:00 on Monday there
    await desk.open_case(at=saturday)
    scheduler = desk.scheduler()

    assert await scheduler.run_due(now=saturday + timedelta(days=1, hours=12)) == 0  # all weekend: nothing used
    assert await scheduler.run_due(now=monday_opening + timedelta(minutes=7)) == 0
    assert await scheduler.run_due(now=monday_opening + timedelta(minutes=8)) == 1
    assert await scheduler.run_due(now=monday_opening + timedelta(minutes=10)) == 1
    [breached] = events_of(await outbox_events(engine), "case.sla_breached.v1")
    assert at(breached, "due_at") == monday_opening + timedelta(minutes=10)


async def test_a_follow_up_falls_due_for_the_cases_agent_and_surveys_the_customer(
    database_url: str, engine: AsyncEngine
) -> None:
    desk = desk_for(database_url, engine)
    case_id = await desk.open_case()
    await desk.assign(case_id, "lan", at=T0 + timedelta(minutes=1))
    resolved_at = T0 + timedelta(hours=1)
    await desk.act(case_id, CaseAction.RESOLVE, at=resolved_at)
    await desk.assign(case_id, "minh", at=resolved_at + timedelta(hours=1))  # lan moved on; minh has the case now
    scheduler = desk.scheduler()
    follow_up_time = resolved_at + timedelta(hours=72)  # the default delay

    await scheduler.run_due(now=follow_up_time - timedelta(seconds=1))
    assert events_of(await outbox_events(engine), "case.follow_up_due.v1") == []
    await scheduler.run_due(now=follow_up_time)
    await scheduler.run_due(now=follow_up_time + timedelta(hours=1))  # nothing twice

    rows = await outbox_events(engine)
    [due] = events_of(rows, "case.follow_up_due.v1")
    assert (due["data"]["case_id"], due["data"]["agent_id"]) == (case_id, "minh")
    assert due["data"]["case_reference"] == (await desk.case(case_id)).reference
    assert at(due, "due_at") == follow_up_time
    async with desk.sessions() as session:
        [follow_up] = (await session.execute(select(FollowUp).where(FollowUp.case_id == case_id))).scalars()
        [survey] = (await session.execute(select(Survey).where(Survey.case_id == case_id))).scalars()
    assert (follow_up.id, follow_up.state, follow_up.agent_id) == (due["data"]["follow_up_id"], "due", "minh")
    assert follow_up.fired_at == follow_up_time
    assert (survey.follow_up_id, survey.answered_at) == (follow_up.id, None)
    [sent] = [r for r in rows if r["type"] == "outbound.message.requested.v1" and r["data"]["purpose"] == "survey"]
    assert sent["_topic"] == topics.OUTBOUND_MESSAGES and survey.token in sent["data"]["text"]
    assert "follow_up_due" in await desk.timeline_kinds(case_id)


async def test_a_case_reopened_before_its_follow_up_gets_none(database_url: str, engine: AsyncEngine) -> None:
    desk = desk_for(database_url, engine)
    case_id = await desk.open_case()
    await desk.act(case_id, CaseAction.RESOLVE, at=T0 + timedelta(hours=1))
    await desk.act(case_id, CaseAction.REOPEN, at=T0 + timedelta(hours=2), reason="not fixed after all")

    await desk.scheduler().run_due(now=T0 + timedelta(days=30))

    rows = await outbox_events(engine)
    assert events_of(rows, "case.follow_up_due.v1", "outbound.message.requested.v1")[1:] == []  # the ack only
    async with desk.sessions() as session:
        [follow_up] = (await session.execute(select(FollowUp).where(FollowUp.case_id == case_id))).scalars()
    assert follow_up.state == "cancelled"


async def test_several_schedulers_at_once_announce_everything_exactly_once(
    database_url: str, engine: AsyncEngine
) -> None:
    desk = desk_for(database_url, engine, sla_targets=TEN_AND_SIXTY)
    cases = [await desk.open_case(f"customer-{n}@example.com") for n in range(105)]  # more than one batch
    for case_id in cases[:20]:
        await desk.act(case_id, CaseAction.RESOLVE, at=T0 + timedelta(minutes=5))  # both targets met in time
    # Each instance with its own engine (connections), as separate processes would have.
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        schedulers = [desk.scheduler(session_factory(e)) for e in engines]
        later = T0 + timedelta(days=4)  # every clock due, and the follow-ups of the resolved cases
        announced = await asyncio.gather(*(s.run_due(now=later) for s in schedulers))
        again = await asyncio.gather(*(s.run_due(now=later) for s in schedulers))
    finally:
        for extra in engines:
            await extra.dispose()

    rows = await outbox_events(engine)
    scheduled = [row for row in rows if row["type"] not in _NOT_SCHEDULED]
    per_case = Counter((row["data"]["case_id"], row["type"], row["data"].get("target")) for row in scheduled)
    expected = Counter(
        {(c, kind, target): 1 for c in cases[20:] for kind in SLA_EVENTS for target in ("first_response", "resolution")}
        | {(c, "case.follow_up_due.v1", None): 1 for c in cases[:20]}
    )
    assert per_case == expected
    assert sum(announced) == sum(expected.values()) and sum(again) == 0


_NOT_SCHEDULED = (
    "case.opened.v1",
    "case.resolved.v1",
    "outbound.message.requested.v1",
    "case.problem_recurring.v1",  # 105 customers writing about one thing within the hour is one
)


async def test_the_running_service_announces_breaches_with_no_message_arriving(
    database_url: str, broker: str, engine: AsyncEngine
) -> None:
    """Real time, the whole service: targets of a few seconds, a case opened, then silence. (`engine` made the
    schema; the test then goes through the service's own engine.)"""
    seconds = {"first_response_minutes": 0.01, "resolution_minutes": 0.05}  # 0.6 s and 3 s
    targets = {priority: seconds for priority in ("low", "normal", "high", "urgent")}
    settings = settings_for(database_url, broker).model_copy(
        update={"sla_targets": targets, "scheduler_interval_seconds": 0.1}
    )
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    app = create_app(settings, consume_events=False)
    handlers = CaseHandlers(settings, policy_from(settings))
    async with app.router.lifespan_context(app):
        # The service's own engine: an SQLite file has one writer, and this process holds its connection.
        runtime = app.state.runtime
        data: ComplaintMessageReceived = received()
        async with runtime.sessions() as session, session.begin():
            await handlers.on_message_received(session, new_event(data, source="test"), data)

        async def breached_both() -> list[tuple[str, str]] | None:
            found = signals(await outbox_events(runtime.engine))
            return found if ("sla_breached", "resolution") in found else None

        found = await eventually(breached_both, what="both SLA targets announced as breached")
    assert Counter(found) == {
        ("sla_at_risk", "first_response"): 1,
        ("sla_breached", "first_response"): 1,
        ("sla_at_risk", "resolution"): 1,
        ("sla_breached", "resolution"): 1,
    }
