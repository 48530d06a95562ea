"""HTTP model of the reports a supervisor charts over a chosen period."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from case_service.schemas.stats import RisingCategory


class DayVolume(BaseModel):
    day: dt.date
    count: int


class Percentiles(BaseModel):
    """Wall-clock seconds from the case opening (nearest rank); null when nothing was measured."""

    p50: float | None
    p90: float | None


class CsatFigures(BaseModel):
    average: float | None = Field(description="Average score (1-5) of the surveys answered.")
    response_rate: float | None = Field(description="Surveys answered / surveys sent in the period.")


class Report(BaseModel):
    """Cases count by when they opened within [since, until); fractions are null when there is nothing to divide."""

    since: dt.datetime
    until: dt.datetime
    total: int
    volume_by_day: list[DayVolume] = Field(description="Every UTC day of the period, days without cases included.")
    volume_by_channel: dict[str, int]
    volume_by_category: dict[str, int]
    first_response_seconds: Percentiles
    resolution_seconds: Percentiles
    sla_attainment: float | None = Field(
        description="SLA targets (first response and resolution together) met in time, of those already decided."
    )
    reopen_rate: float | None = Field(description="Cases reopened, of those resolved at least once.")
    csat: CsatFigures
    rising: list[RisingCategory] = Field(
        description="Categories with more cases in the 7 days ending at `until` than in the 7 before, fastest first."
    )
