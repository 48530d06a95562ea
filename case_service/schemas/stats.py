"""HTTP model of the service desk's figures over a period."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class DayCount(BaseModel):
    date: dt.date
    count: int


class Volume(BaseModel):
    total: int
    by_channel: dict[str, int]
    by_category: dict[str, int]
    by_day: list[DayCount] = Field(description="Every UTC day of the period, days without cases included.")


class Durations(BaseModel):
    """Wall-clock seconds from the case opening; nearest-rank percentiles, null when nothing was measured."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None


class Attainment(BaseModel):
    measured: int = Field(description="Targets already decided: met, or breached (met late or overdue).")
    met: int
    rate: float | None


class SlaAttainment(BaseModel):
    first_response: Attainment
    resolution: Attainment


class ReopenRate(BaseModel):
    resolved: int = Field(description="Cases resolved at least once.")
    reopened: int
    rate: float | None


class Csat(BaseModel):
    """Surveys sent in the period, and their answers."""

    surveys_sent: int
    answered: int
    response_rate: float | None
    average: float | None


class RisingCategory(BaseModel):
    category: str
    this_week: int = Field(description="Cases opened in the 7 days ending at `to`.")
    last_week: int = Field(description="Cases opened in the 7 days before those.")
    change: float = Field(description="(this_week - last_week) / last_week, an empty last week counting as 1.")


class Stats(BaseModel):
    """Cases count by when they opened within [from, to)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.datetime = Field(alias="from")
    to: dt.datetime
    volume: Volume
    first_response_seconds: Durations
    resolution_seconds: Durations
    sla_attainment: SlaAttainment
    reopen_rate: ReopenRate
    csat: Csat
    rising_categories: list[RisingCategory] = Field(description="Rising categories only, fastest first.")
