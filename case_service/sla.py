"""SLA arithmetic: business time under an optional opening-hours calendar, targets per priority, and clocks that
pause and resume.

Datetimes go in and come out as aware UTC; a naive one is taken as UTC (some databases hand them back naive). Without
a calendar (None) every second counts (24x7). With one, only seconds inside its open intervals count, in its local
time zone, so a night, a weekend, a lunch break or a holiday stops the clock and a DST change is handled by the zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.events import Priority

# `time` cannot say 24:00; an interval closing at the end of the day closes at `time.max`.
END_OF_DAY = time.max

_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str  # IANA name, e.g. "Asia/Ho_Chi_Minh"
    hours: Mapping[int, tuple[tuple[time, time], ...]]  # weekday (0 = Monday) -> open intervals, local time
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if not any(self.hours.get(day) for day in range(7)):
            raise ValueError("business hours need at least one open interval in the week")
        for day, intervals in self.hours.items():
            if day not in range(7):
                raise ValueError(f"weekday {day} is not 0 (Monday) to 6 (Sunday)")
            previous_close: time | None = None
            for opens, closes in intervals:
                if opens >= closes:
                    raise ValueError(f"interval {opens:%H:%M}-{closes:%H:%M} closes before it opens")
                if previous_close is not None and opens < previous_close:
                    raise ValueError("intervals of a day must be in order and must not overlap")
                previous_close = closes


def calendar_from(config: Mapping[str, Any] | None) -> BusinessCalendar | None:
    """A calendar from its settings JSON, or None (24x7) when unset:
    `{"timezone": "Asia/Ho_Chi_Minh", "hours": {"mon": ["08:00-12:00", "13:00-17:30"], ...},
    "holidays": ["2026-01-01"]}`. A day left out is closed; `24:00` closes at midnight. Raises ValueError."""
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise ValueError("business hours must be a JSON object")
    unknown = set(config) - {"timezone", "hours", "holidays"}
    if unknown:
        raise ValueError(f"unknown business-hours keys {sorted(unknown)}; expected timezone, hours, holidays")
    zone = config.get("timezone")
    if not isinstance(zone, str) or not zone:
        raise ValueError('business hours need a "timezone" such as "Asia/Ho_Chi_Minh"')
    raw_hours = config.get("hours")
    if not isinstance(raw_hours, Mapping) or not raw_hours:
        raise ValueError('business hours need "hours", e.g. {"mon": ["08:00-17:00"]}')
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for name, intervals in raw_hours.items():
        day = _DAY_NAMES.get(str(name).strip().lower())
        if day is None:
            raise ValueError(f"unknown day {name!r}; use mon, tue, wed, thu, fri, sat, sun")
        if day in hours:
            raise ValueError(f"day {name!r} is given twice")
        if isinstance(intervals, str):
            intervals = [intervals]
        if not isinstance(intervals, list | tuple):
            raise ValueError(f'hours of {name!r} must be a list such as ["08:00-17:00"]')
        hours[day] = tuple(sorted(_interval(str(value)) for value in intervals))
    holidays = config.get("holidays") or []
    if not isinstance(holidays, list | tuple):
        raise ValueError('"holidays" must be a list of dates such as ["2026-01-01"]')
    days: set[date] = set()
    for value in holidays:
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise ValueError(f"holiday {value!r} is not a date like 2026-01-01") from None
    return BusinessCalendar(timezone=zone, hours=hours, holidays=frozenset(days))


def business_seconds_between(start: datetime, end: datetime, calendar: BusinessCalendar | None) -> float:
    """Business seconds from `start` to `end`; 0 when `end` is not after `start`."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds()
    total = 0.0
    for opens, closes in _open_intervals(calendar, start):
        if opens >= end:
            break
        overlap = (min(closes, end) - max(opens, start)).total_seconds()
        if overlap > 0:
            total += overlap
    return total


def add_business_seconds(start: datetime, seconds: float, calendar: BusinessCalendar | None) -> datetime:
    """The instant `seconds` business seconds after `start` are used up (`start` itself for zero or less)."""
    start = _utc(start)
    if seconds <= 0:
        return start
    if calendar is None:
        return start + timedelta(seconds=seconds)
    remaining = seconds
    for opens, closes in _open_intervals(calendar, start):
        begin = max(opens, start)
        available = (closes - begin).total_seconds()
        if available <= 0:
            continue
        if remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= available
    raise AssertionError("unreachable: a valid calendar opens every week")  # pragma: no cover


@dataclass(frozen=True)
class SlaPolicy:
    first_response: timedelta
    resolution: timedelta


DEFAULT_POLICIES: Mapping[Priority, SlaPolicy] = {
    Priority.URGENT: SlaPolicy(first_response=timedelta(minutes=30), resolution=timedelta(hours=4)),
    Priority.HIGH: SlaPolicy(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    Priority.NORMAL: SlaPolicy(first_response=timedelta(hours=4), resolution=timedelta(hours=24)),
    Priority.LOW: SlaPolicy(first_response=timedelta(hours=8), resolution=timedelta(hours=72)),
}

_POLICY_FIELDS = {"first_response_minutes": "first_response", "resolution_minutes": "resolution"}


def policies_with(overrides: Mapping[str, Mapping[str, float]] | None) -> Mapping[Priority, SlaPolicy]:
    """The default targets with the configured ones replaced:
    `{"urgent": {"first_response_minutes": 15, "resolution_minutes": 240}}`; a target left out keeps its default."""
    policies = dict(DEFAULT_POLICIES)
    for name, values in (overrides or {}).items():
        try:
            priority = Priority(name)
        except ValueError:
            raise ValueError(f"SLA targets given for priority {name!r}; priorities are {list(Priority)}") from None
        if not isinstance(values, Mapping):
            raise ValueError(f"SLA targets of {name!r} must be an object like {{'first_response_minutes': 30}}")
        changes: dict[str, timedelta] = {}
        for key, minutes in values.items():
            if key not in _POLICY_FIELDS:
                raise ValueError(f"unknown SLA target {key!r} for {name!r}; use {sorted(_POLICY_FIELDS)}")
            if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not minutes > 0:
                raise ValueError(f"{name}.{key} must be a positive number of minutes, got {minutes!r}")
            changes[_POLICY_FIELDS[key]] = timedelta(minutes=minutes)
        policies[priority] = replace(policies[priority], **changes)
    return policies


@dataclass(frozen=True)
class Clock:
    """One target of one case. It runs from `running_since`; time used in earlier runs is in `consumed_seconds`."""

    target_seconds: float  # business seconds allowed
    consumed_seconds: float  # business seconds used before `running_since` (or in all, once paused or met)
    running_since: datetime | None  # None while paused or stopped
    met_at: datetime | None = None


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


def start_clock(*, target: timedelta, now: datetime) -> Clock:
    return Clock(target_seconds=target.total_seconds(), consumed_seconds=0.0, running_since=_utc(now))


def pause(clock: Clock, *, now: datetime, calendar: BusinessCalendar | None) -> Clock:
    """Stop the clock, keeping the time used; a clock not running is returned as it is."""
    if clock.running_since is None:
        return clock
    used = elapsed_seconds(clock, now=now, calendar=calendar)
    return replace(clock, consumed_seconds=used, running_since=None)


def resume(clock: Clock, *, now: datetime) -> Clock:
    """Run a paused clock again from `now`; a running or met clock is returned as it is."""
    if clock.running_since is not None or clock.met_at is not None:
        return clock
    return replace(clock, running_since=_utc(now))


def meet(clock: Clock, *, now: datetime, calendar: BusinessCalendar | None) -> Clock:
    """The target is met at `now`: the clock stops with the time it used (more than the target: met late)."""
    if clock.met_at is not None:
        return clock
    used = elapsed_seconds(clock, now=now, calendar=calendar)
    return replace(clock, consumed_seconds=used, running_since=None, met_at=_utc(now))


def retarget(clock: Clock, *, target: timedelta) -> Clock:
    """Measure against a new target (the priority changed); time already used still counts."""
    return replace(clock, target_seconds=target.total_seconds())


def due_at(clock: Clock, calendar: BusinessCalendar | None) -> datetime | None:
    """When a running clock reaches its target; None unless running. A clock that was already past its target when
    it started running is due at that start."""
    return _when_used(clock, clock.target_seconds, calendar)


def at_risk_at(clock: Clock, calendar: BusinessCalendar | None, *, fraction: float) -> datetime | None:
    """When a running clock has used `fraction` (e.g. 0.8) of its target; None unless running."""
    return _when_used(clock, clock.target_seconds * fraction, calendar)


def elapsed_seconds(clock: Clock, *, now: datetime, calendar: BusinessCalendar | None) -> float:
    """Business seconds the clock has used by `now`."""
    if clock.running_since is None:
        return clock.consumed_seconds
    return clock.consumed_seconds + business_seconds_between(clock.running_since, now, calendar)


def state(clock: Clock, *, now: datetime, calendar: BusinessCalendar | None, fraction: float) -> SlaState:
    """met (breached when met after its target), paused, breached (the target is used up unmet), at_risk (at least
    `fraction` of it used) or ok."""
    if clock.met_at is not None:
        return SlaState.BREACHED if clock.consumed_seconds > clock.target_seconds else SlaState.MET
    if clock.running_since is None:
        return SlaState.PAUSED
    used = elapsed_seconds(clock, now=now, calendar=calendar)
    if used >= clock.target_seconds:
        return SlaState.BREACHED
    if used >= clock.target_seconds * fraction:
        return SlaState.AT_RISK
    return SlaState.OK


def _when_used(clock: Clock, seconds: float, calendar: BusinessCalendar | None) -> datetime | None:
    if clock.running_since is None or clock.met_at is not None:
        return None
    return add_business_seconds(clock.running_since, seconds - clock.consumed_seconds, calendar)


def _open_intervals(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's open intervals as UTC instants, in order, from the local day before `start`'s onwards."""
    zone = _zone(calendar.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    while True:
        if day not in calendar.holidays:
            for opens, closes in calendar.hours.get(day.weekday(), ()):
                yield _instant(day, opens, zone), _instant(day, closes, zone)
        day += timedelta(days=1)


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    if at == END_OF_DAY:
        return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return datetime.combine(day, at, zone).astimezone(UTC)


def _interval(value: str) -> tuple[time, time]:
    match = _INTERVAL.match(value)
    if match is None:
        raise ValueError(f"interval {value!r} is not like 08:00-17:30")
    opens = _clock_time(int(match[1]), int(match[2]), value)
    closes = _clock_time(int(match[3]), int(match[4]), value)
    if opens >= closes:
        raise ValueError(f"interval {value!r} closes before it opens")
    return opens, closes


def _clock_time(hour: int, minute: int, value: str) -> time:
    if (hour, minute) == (24, 0):
        return END_OF_DAY
    if hour > 23 or minute > 59:
        raise ValueError(f"interval {value!r} has an impossible time")
    return time(hour, minute)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Ho_Chi_Minh") from None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
