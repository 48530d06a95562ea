"""Recurring problems (the handbooks: stop a problem reaching other customers): when a category, or a root cause, rises
across distinct customers beyond its recent baseline (`domain.RecurringRule`), an alert is stored and
`case.problem_recurring.v1` announced; it stays open, collecting the matching cases, until a supervisor acknowledges it.

Detection runs in the transaction that gives a case its category (opening, reclassifying) or its root cause
(resolving), with a few bounded queries on (category, opened_at) and (root_cause, resolved_at). One open alert per
problem is the database's rule (`alerts.open_key` is unique): an instance that loses the race adds the case to the
winner's alert. After an acknowledgement only cases from then on count towards a new alert of the same problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import live
from case_service.domain import RecurringRule
from case_service.emit import emit
from case_service.models import Alert, Case
from shared.cloudevents import CloudEvent
from shared.db import as_utc
from shared.events import CaseProblemRecurring, ProblemKind

# An alert names at most this many cases and customers: a record stays small however long a problem goes
# unacknowledged (its count of customers stops growing there too, as it can no longer tell a new one).
MAX_IDS = 1000
OPEN, ACKNOWLEDGED, ALL = "open", "acknowledged", "all"


async def detect(
    session: AsyncSession,
    *,
    case: Case,
    kind: ProblemKind,
    rule: RecurringRule,
    now: datetime,
    cause: CloudEvent | None = None,
    tenant: str = "default",
) -> Alert | None:
    """Add the case to its problem's open alert, or raise one if the problem now rises; the alert, or None."""
    value = case.category if kind is ProblemKind.CATEGORY else case.root_cause
    if not value:
        return None
    current = await _open_alert(session, kind=kind, value=value)
    if current is not None:
        _add(session, current, case=case, now=now)
        return current
    window_start = now - rule.window
    since = await _counting_from(session, kind=kind, value=value, since=window_start)
    customers = await _customers_in(session, kind=kind, value=value, after=since, until=now)
    if customers < rule.min_customers:
        return None
    before = await _customers_in(
        session, kind=kind, value=value, after=window_start - rule.baseline_period, until=window_start
    )
    baseline = rule.baseline(before)
    if not rule.rises(customers, baseline):
        return None
    recent = await _recent(session, kind=kind, value=value, after=since, until=now)
    alert = Alert(
        id=str(uuid.uuid4()),
        kind=kind.value,
        value=value,
        open_key=_open_key(kind, value),
        customer_count=customers,
        baseline=baseline,
        case_ids=[case_id for case_id, _ in recent],
        customer_ids=list(dict.fromkeys(customer_id for _, customer_id in recent)),
        raised_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(alert)
    except IntegrityError:  # another instance raised it a moment ago: this case joins that alert
        current = await _open_alert(session, kind=kind, value=value)
        if current is not None:
            _add(session, current, case=case, now=now)
        return current
    raised = CaseProblemRecurring(
        alert_id=alert.id,
        kind=kind,
        value=value,
        customer_count=alert.customer_count,
        baseline=baseline,
        window_minutes=rule.window.total_seconds() / 60,
        case_ids=tuple(alert.case_ids),
        customer_ids=tuple(alert.customer_ids),
        raised_at=now,
    )
    await emit(session, raised, case_id=case.id, cause=cause, tenant=tenant)
    live.alert(session, kind=live.ALERT_RAISED, data=view(alert))
    return alert


async def acknowledge(session: AsyncSession, *, alert_id: str, by: str, now: datetime) -> Alert | None:
    """Close the alert (a second acknowledgement changes nothing); None for an unknown alert."""
    alert = await session.get(Alert, alert_id, with_for_update=True, populate_existing=True)
    if alert is None or alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = now
    alert.acknowledged_by = by
    alert.open_key = None
    alert.updated_at = now
    live.alert(session, kind=live.ALERT_UPDATED, data=view(alert))
    return alert


async def listed(session: AsyncSession, *, status: str, limit: int) -> Sequence[Alert]:
    """Alerts newest first: open, acknowledged or all."""
    query = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    if status == OPEN:
        query = query.where(Alert.acknowledged_at.is_(None))
    elif status == ACKNOWLEDGED:
        query = query.where(Alert.acknowledged_at.is_not(None))
    return (await session.execute(query)).scalars().all()


def view(alert: Alert) -> dict[str, Any]:
    """The alert as the API and the live stream show it (JSON-ready)."""
    return {
        "alert_id": alert.id,
        "kind": alert.kind,
        "value": alert.value,
        "customer_count": alert.customer_count,
        "baseline": alert.baseline,
        "case_ids": list(alert.case_ids),
        "customer_ids": list(alert.customer_ids),
        "raised_at": live.iso(alert.raised_at),
        "acknowledged_at": live.iso(alert.acknowledged_at) if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
    }


def _open_key(kind: ProblemKind, value: str) -> str:
    return f"{kind.value}:{value}"


async def _open_alert(session: AsyncSession, *, kind: ProblemKind, value: str) -> Alert | None:
    query = select(Alert).where(Alert.open_key == _open_key(kind, value)).with_for_update()
    found = await session.execute(query.execution_options(populate_existing=True))
    return found.scalars().first()


def _add(session: AsyncSession, alert: Alert, *, case: Case, now: datetime) -> None:
    """The case (and its customer) join the open alert, up to MAX_IDS each."""
    changed = False
    if case.id not in alert.case_ids and len(alert.case_ids) < MAX_IDS:
        alert.case_ids = [*alert.case_ids, case.id]
        changed = True
    if case.customer_id not in alert.customer_ids and len(alert.customer_ids) < MAX_IDS:
        alert.customer_ids = [*alert.customer_ids, case.customer_id]
        alert.customer_count += 1
        changed = True
    if changed:
        alert.updated_at = now
        live.alert(session, kind=live.ALERT_UPDATED, data=view(alert))


def _when(kind: ProblemKind) -> Any:
    """When a case counts for its problem: its opening for a category, its resolution for a root cause."""
    return Case.opened_at if kind is ProblemKind.CATEGORY else Case.resolved_at


def _matching(kind: ProblemKind, value: str) -> Any:
    return (Case.category if kind is ProblemKind.CATEGORY else Case.root_cause) == value


async def _counting_from(session: AsyncSession, *, kind: ProblemKind, value: str, since: datetime) -> datetime:
    """`since`, or the problem's last acknowledgement if later: what a supervisor has seen does not raise it again.
    Periods are (start, end]: a case at the instant of an acknowledgement was seen."""
    acknowledged = (
        await session.execute(
            select(func.max(Alert.acknowledged_at)).where(Alert.kind == kind.value, Alert.value == value)
        )
    ).scalar_one_or_none()
    return max(since, as_utc(acknowledged)) if acknowledged is not None else since


async def _customers_in(
    session: AsyncSession, *, kind: ProblemKind, value: str, after: datetime, until: datetime
) -> int:
    """Distinct customers of the problem's cases in (after, until]."""
    when = _when(kind)
    found = await session.execute(
        select(func.count(func.distinct(Case.customer_id))).where(_matching(kind, value), when > after, when <= until)
    )
    return int(found.scalar_one())


async def _recent(
    session: AsyncSession, *, kind: ProblemKind, value: str, after: datetime, until: datetime
) -> list[tuple[str, str]]:
    """(case id, customer id) of the problem's cases in (after, until], newest first, at most MAX_IDS."""
    when = _when(kind)
    rows = await session.execute(
        select(Case.id, Case.customer_id)
        .where(_matching(kind, value), when > after, when <= until)
        .order_by(when.desc(), Case.id.desc())
        .limit(MAX_IDS)
    )
    return [(case_id, customer_id) for case_id, customer_id in rows]
