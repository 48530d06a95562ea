"""Recurring-problem alerts: the open ones a supervisor must see, and acknowledging them (staff only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from case_service import alerts
from case_service.api.deps import STAFF_ONLY, Session, Staff
from case_service.schemas.alerts import AcknowledgeIn, AlertList, AlertOut, AlertStatus
from shared.problems import PROBLEM_JSON, Problem

router = APIRouter(tags=["alerts"], responses=STAFF_ONLY)


@router.get("/alerts")
async def list_alerts(
    session: Session,
    _: Staff,
    status: AlertStatus = AlertStatus.OPEN,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertList:
    """Alerts newest first: open (not yet acknowledged, the default), acknowledged, or all."""
    found = await alerts.listed(session, status=status.value, limit=limit)
    return AlertList(items=[AlertOut.model_validate(alerts.view(alert)) for alert in found])


@router.post(
    "/alerts/{alert_id}/acknowledge",
    responses={404: {"description": "No such alert.", "content": {PROBLEM_JSON: {}}}},
)
async def acknowledge(
    alert_id: Annotated[str, Path(max_length=36)], body: AcknowledgeIn, session: Session, _: Staff
) -> AlertOut:
    """Close the alert: it leaves the open list, and a new one for the problem counts only cases from now on.
    Acknowledging it again changes nothing (the first acknowledgement stays)."""
    async with session.begin():
        alert = await alerts.acknowledge(session, alert_id=alert_id, by=body.by, now=datetime.now(UTC))
        if alert is None:
            raise Problem(404, "alert-not-found", "Alert not found", f"There is no alert with id {alert_id}.")
        return AlertOut.model_validate(alerts.view(alert))
