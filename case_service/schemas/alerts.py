"""HTTP models of the recurring-problem alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.events import ProblemKind
from shared.text import CleanInput


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ALL = "all"


class AlertOut(BaseModel):
    alert_id: str
    kind: ProblemKind = Field(description="category or root_cause")
    value: str = Field(description="The category or the root cause that is rising.")
    customer_count: int = Field(description="Distinct customers in the alert (at most 1000 are named).")
    baseline: float = Field(description="Distinct customers per window, on average, over the baseline period.")
    case_ids: list[str] = Field(description="The cases involved, the newest first at raising, then as they joined.")
    customer_ids: list[str]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertList(BaseModel):
    items: list[AlertOut]


class AcknowledgeIn(CleanInput):
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Who acknowledges it (the supervisor's name or id)."
    )
