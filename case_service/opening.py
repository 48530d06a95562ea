"""Opening a case: its reference number, its classification (category, priority, markers, with the keywords behind
them on the timeline), its SLA clocks, and the announcement that gets it routed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import classify, clocks, domain, repository, timeline
from case_service.classify import Classification
from case_service.emit import emit
from case_service.models import Case
from case_service.policy import CasePolicy
from shared.cloudevents import CloudEvent
from shared.events import CaseOpened, Channel, Priority


async def open_case(
    session: AsyncSession,
    *,
    customer_id: str,
    channel: Channel,
    subject: str | None,
    text: str,
    language: str | None,
    policy: CasePolicy,
    now: datetime,
    customer_wrote_at: datetime | None = None,
) -> tuple[Case, Classification]:
    """A new case of the customer, classified from `subject` and `text`, its SLA clocks running from `now`;
    `customer_wrote_at` is when the customer's message that opens it was written."""
    year = domain.reference_year(now)
    number = await repository.next_case_number(session, year=year)
    classification = classify.classify(subject=subject, text=text, rules=policy.rules)
    case = Case(
        id=repository.new_id(),
        reference=domain.format_reference(year, number),
        customer_id=customer_id,
        channel=channel.value,
        status=domain.CaseStatus.NEW.value,
        category=classification.category,
        priority=classification.priority.value,
        markers=list(classification.markers),
        language=language,
        subject=subject,
        assignee_agent_id=None,
        assigned_at=None,
        opened_at=now,
        updated_at=now,
        sla_status="ok",
        escalated=False,
        reopen_count=0,
        last_customer_message_at=customer_wrote_at,
    )
    await repository.add_case(session, case=case)
    await clocks.start(session, case=case, policy=policy, now=now)
    return case, classification


def record_classification(
    session: AsyncSession, *, case: Case, classification: Classification, now: datetime, message_id: str | None
) -> None:
    """The automatic classification on the timeline, with its evidence, so an agent's override can be judged."""
    timeline.record(
        session,
        case_id=case.id,
        kind="classified",
        actor=timeline.SYSTEM,
        at=now,
        message_id=message_id,
        detail={
            "category": classification.category,
            "priority": classification.priority.value,
            "markers": list(classification.markers),
            "evidence": {name: list(words) for name, words in classification.evidence.items()},
        },
    )


async def announce_opened(
    session: AsyncSession, *, case: Case, message_id: str, cause: CloudEvent | None, tenant: str
) -> None:
    """`case.opened.v1`, which the router routes (the category is the required skill, markers may raise the level)."""
    data = CaseOpened(
        **routing_fields(case),
        subject=case.subject,
        message_id=message_id,
        opened_at=case.opened_at,
        preferred_skills=(),
    )
    await emit(session, data, case_id=case.id, cause=cause, tenant=tenant)


def routing_fields(case: Case) -> dict[str, Any]:
    """What the router routes the case by, carried alike by case.opened.v1 and case.reopened.v1."""
    return {
        "case_id": case.id,
        "case_reference": case.reference,
        "customer_id": case.customer_id,
        "channel": Channel(case.channel),
        "category": case.category,
        "priority": Priority(case.priority),
        "language": case.language,
        "markers": tuple(case.markers or ()),
    }
