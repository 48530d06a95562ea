"""SLA arithmetic: business time under opening hours (nights, weekends, lunch breaks, holidays, DST), targets per
priority, and clocks that pause while the case waits on the customer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from case_service.sla import (
    DEFAULT_POLICIES,
    BusinessCalendar,
    Clock,
    SlaPolicy,
    SlaState,
    add_business_seconds,
    at_risk_at,
    business_seconds_between,
    calendar_from,
    due_at,
    elapsed_seconds,
    meet,
    pause,
    policies_with,
    resume,
    retarget,
    start_clock,
    state,
)
from shared.events import Priority

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0
MINUTE = 60.0

# Weekdays with a lunch break, Saturday morning, Sunday closed; Reunification Day and Labour Day off.
OFFICE = calendar_from(
    {
        "timezone": "Asia/Ho_Chi_Minh",
        "hours": {
            "mon": ["08:00-12:00", "13:00-17:30"],
            "tue": ["08:00-12:00", "13:00-17:30"],
            "wed": ["08:00-12:00", "13:00-17:30"],
            "thu": ["08:00-12:00", "13:00-17:30"],
            "fri": ["08:00-12:00", "13:00-17:30"],
            "sat": ["08:00-12:00"],
        },
        "holidays": ["2026-04-30", "2026-05-01"],
    }
)


def hanoi(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    """A local time in Ho Chi Minh City, in May 2026 unless told (4 May is a Monday), as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


# --- business time -------------------------------------------------------------------------------------------------


def test_without_a_calendar_every_second_counts() -> None:
    assert business_seconds_between(T0, T0 + timedelta(days=2, minutes=3), None) == 2 * 24 * HOUR + 3 * MINUTE
    assert add_business_seconds(T0, 90 * MINUTE, None) == T0 + timedelta(minutes=90)


def test_no_time_passes_backwards() -> None:
    assert business_seconds_between(T0, T0 - timedelta(hours=1), None) == 0
    assert business_seconds_between(hanoi(4, 10), hanoi(4, 9), OFFICE) == 0
    assert add_business_seconds(hanoi(4, 20), 0, OFFICE) == hanoi(4, 20)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (hanoi(4, 9), hanoi(4, 11), 2.0),  # within a morning
        (hanoi(4, 11), hanoi(4, 14), 2.0),  # across the lunch break
        (hanoi(4, 12, 15), hanoi(4, 12, 45), 0.0),  # within the lunch break
        (hanoi(4, 17), hanoi(5, 9), 1.5),  # across a night
        (hanoi(4, 19), hanoi(5, 7), 0.0),  # a whole night
        (hanoi(4, 8), hanoi(4, 17, 30), 8.5),  # a whole working day
        (hanoi(8, 17), hanoi(11, 9), 5.5),  # Friday evening, Saturday morning, Monday morning
        (hanoi(9, 12), hanoi(11, 8), 0.0),  # Saturday afternoon to Monday opening
        (hanoi(29, 17, month=4), hanoi(4, 9), 5.5),  # over the 30 April and 1 May holidays
        (hanoi(4, 8), hanoi(11, 8), 5 * 8.5 + 4),  # a full week
    ],
)
def test_business_time_between(start: datetime, end: datetime, hours: float) -> None:
    assert business_seconds_between(start, end, OFFICE) == pytest.approx(hours * HOUR)


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (hanoi(4, 9), 60, hanoi(4, 10)),
        (hanoi(4, 11, 30), 60, hanoi(4, 13, 30)),  # the lunch break does not count
        (hanoi(4, 17), 30, hanoi(4, 17, 30)),  # used up exactly at closing
        (hanoi(4, 17), 60, hanoi(5, 8, 30)),  # continues the next morning
        (hanoi(8, 17), 60, hanoi(9, 8, 30)),  # Friday evening: Saturday morning
        (hanoi(9, 11), 120, hanoi(11, 9)),  # Saturday: one hour left, then Monday
        (hanoi(10, 20), 30, hanoi(11, 8, 30)),  # Sunday: starts counting on Monday
        (hanoi(29, 17, month=4), 90, hanoi(2, 9)),  # 30 April and 1 May are holidays
    ],
)
def test_adding_business_time(start: datetime, minutes: float, due: datetime) -> None:
    assert add_business_seconds(start, minutes * MINUTE, OFFICE) == due


@pytest.mark.parametrize("hours", [0.25, 1, 4.2, 8.5, 13, 40, 100])
@pytest.mark.parametrize("start", [hanoi(4, 7), hanoi(4, 12, 30), hanoi(8, 16), hanoi(10, 3), hanoi(29, 15, month=4)])
def test_adding_then_measuring_gives_the_same_time(start: datetime, hours: float) -> None:
    due = add_business_seconds(start, hours * HOUR, OFFICE)
    assert business_seconds_between(start, due, OFFICE) == pytest.approx(hours * HOUR)


def test_daylight_saving_time_is_the_zones_business() -> None:
    """Berlin moves its clocks forward on Sunday 29 March 2026 and back on Sunday 25 October 2026."""
    weekdays = calendar_from(
        {"timezone": "Europe/Berlin", "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}}
    )
    # Friday 16:00 CET + 2 business hours: Monday 10:00 CEST, which is 08:00 UTC (not 09:00)
    due = add_business_seconds(berlin(3, 27, 16), 2 * HOUR, weekdays)
    assert due == berlin(3, 30, 10) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert business_seconds_between(berlin(3, 27, 9), berlin(3, 30, 17), weekdays) == 16 * HOUR
    assert business_seconds_between(berlin(10, 23, 16), berlin(10, 26, 10), weekdays) == 2 * HOUR

    around_the_clock = calendar_from(
        {"timezone": "Europe/Berlin", "hours": {day: ["00:00-24:00"] for day in ("sat", "sun", "mon")}}
    )
    assert business_seconds_between(berlin(3, 29, 0), berlin(3, 30, 0), around_the_clock) == 23 * HOUR
    assert business_seconds_between(berlin(10, 25, 0), berlin(10, 26, 0), around_the_clock) == 25 * HOUR


def test_naive_times_are_taken_as_utc_and_answers_are_aware_utc() -> None:
    naive = datetime(2026, 5, 4, 2, 0)  # 09:00 in Ho Chi Minh City
    due = add_business_seconds(naive, HOUR, OFFICE)
    assert due == hanoi(4, 10)
    assert due.tzinfo is UTC
    assert business_seconds_between(naive, hanoi(4, 10), OFFICE) == HOUR


# --- calendar settings ---------------------------------------------------------------------------------------------


def test_calendar_from_settings() -> None:
    assert calendar_from(None) is None
    assert OFFICE is not None
    assert OFFICE.timezone == "Asia/Ho_Chi_Minh"
    assert OFFICE.hours[0] == ((time(8), time(12)), (time(13), time(17, 30)))
    assert 6 not in OFFICE.hours
    assert OFFICE.holidays == frozenset({date(2026, 4, 30), date(2026, 5, 1)})


def test_calendar_accepts_full_day_names_unordered_intervals_and_midnight() -> None:
    calendar = calendar_from(
        {"timezone": "UTC", "hours": {"Sunday": ["18:00-24:00", "06:00-10:00"], "MONDAY": "00:00-24:00"}}
    )
    assert calendar is not None
    assert calendar.hours[6] == ((time(6), time(10)), (time(18), time.max))
    sunday_evening = datetime(2026, 5, 3, 18, 0, tzinfo=UTC)
    assert add_business_seconds(sunday_evening, 7 * HOUR, calendar) == datetime(2026, 5, 4, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hours": {"mon": ["08:00-17:00"]}}, "timezone"),
        ({"timezone": "Mars/Olympus", "hours": {"mon": ["08:00-17:00"]}}, "unknown time zone"),
        ({"timezone": "UTC"}, "hours"),
        ({"timezone": "UTC", "hours": {"funday": ["08:00-17:00"]}}, "unknown day"),
        ({"timezone": "UTC", "hours": {"mon": ["8-17"]}}, "not like 08:00-17:30"),
        ({"timezone": "UTC", "hours": {"mon": ["17:00-08:00"]}}, "closes before it opens"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-25:00"]}}, "impossible time"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"timezone": "UTC", "hours": {"mon": []}}, "at least one open interval"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-17:00"]}, "holidays": ["tết"]}, "not a date"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-17:00"]}, "weekends": []}, "unknown business-hours keys"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-17:00"], "monday": ["09:00-10:00"]}}, "given twice"),
    ],
)
def test_bad_calendars_are_refused_with_a_clear_message(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calendar_from(config)


def test_a_calendar_built_directly_is_checked_too() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(timezone="UTC", hours={})
    with pytest.raises(ValueError):
        BusinessCalendar(timezone="UTC", hours={7: ((time(8), time(9)),)})


# --- targets -------------------------------------------------------------------------------------------------------


def test_default_targets() -> None:
    assert DEFAULT_POLICIES[Priority.URGENT] == SlaPolicy(timedelta(minutes=30), timedelta(hours=4))
    assert DEFAULT_POLICIES[Priority.HIGH] == SlaPolicy(timedelta(hours=1), timedelta(hours=8))
    assert DEFAULT_POLICIES[Priority.NORMAL] == SlaPolicy(timedelta(hours=4), timedelta(hours=24))
    assert DEFAULT_POLICIES[Priority.LOW] == SlaPolicy(timedelta(hours=8), timedelta(hours=72))
    assert policies_with(None) == DEFAULT_POLICIES


def test_configured_targets_replace_only_what_they_name() -> None:
    policies = policies_with({"urgent": {"first_response_minutes": 15, "resolution_minutes": 240}, "low": {}})
    assert policies[Priority.URGENT] == SlaPolicy(timedelta(minutes=15), timedelta(hours=4))
    partial = policies_with({"high": {"resolution_minutes": 600.5}})
    assert partial[Priority.HIGH] == SlaPolicy(timedelta(hours=1), timedelta(minutes=600.5))
    assert partial[Priority.NORMAL] == DEFAULT_POLICIES[Priority.NORMAL]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"critical": {"first_response_minutes": 5}}, "priority 'critical'"),
        ({"high": {"first_reply_minutes": 5}}, "unknown SLA target"),
        ({"high": {"resolution_minutes": 0}}, "positive number"),
        ({"high": {"resolution_minutes": "soon"}}, "positive number"),
        ({"high": 30}, "must be an object"),
    ],
)
def test_bad_targets_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policies_with(overrides)


# --- clocks --------------------------------------------------------------------------------------------------------


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_new_clock_runs_from_now() -> None:
    clock = start_clock(target=timedelta(hours=4), now=T0)
    assert clock == Clock(target_seconds=4 * HOUR, consumed_seconds=0.0, running_since=T0)
    assert due_at(clock, None) == at(240)
    assert at_risk_at(clock, None, fraction=0.8) == at(192)
    assert elapsed_seconds(clock, now=at(30), calendar=None) == 30 * MINUTE


def test_pausing_keeps_the_time_used_and_resuming_continues_from_it() -> None:
    clock = start_clock(target=timedelta(hours=1), now=T0)
    paused = pause(clock, now=at(10), calendar=None)
    assert paused.running_since is None and paused.consumed_seconds == 10 * MINUTE
    assert due_at(paused, None) is None
    assert at_risk_at(paused, None, fraction=0.8) is None
    assert elapsed_seconds(paused, now=at(500), calendar=None) == 10 * MINUTE
    assert state(paused, now=at(500), calendar=None, fraction=0.8) is SlaState.PAUSED

    resumed = resume(paused, now=at(60))
    assert resumed.running_since == at(60)
    assert elapsed_seconds(resumed, now=at(80), calendar=None) == 30 * MINUTE
    assert due_at(resumed, None) == at(110)  # 50 minutes left when it resumed
    assert at_risk_at(resumed, None, fraction=0.8) == at(98)

    again = resume(pause(resumed, now=at(90), calendar=None), now=at(200))
    assert again.consumed_seconds == 40 * MINUTE
    assert due_at(again, None) == at(220)


def test_pausing_a_paused_clock_and_resuming_a_running_one_change_nothing() -> None:
    running = start_clock(target=timedelta(hours=1), now=T0)
    assert resume(running, now=at(5)) == running
    paused = pause(running, now=at(10), calendar=None)
    assert pause(paused, now=at(20), calendar=None) == paused


def test_a_clock_under_business_hours() -> None:
    clock = start_clock(target=timedelta(hours=4), now=hanoi(4, 16))  # Monday 16:00
    assert due_at(clock, OFFICE) == hanoi(5, 10, 30)  # 1.5 h on Monday, 2.5 h on Tuesday
    assert at_risk_at(clock, OFFICE, fraction=0.8) == hanoi(5, 9, 42)
    assert state(clock, now=hanoi(5, 7, 59), calendar=OFFICE, fraction=0.8) is SlaState.OK  # the night is free
    assert state(clock, now=hanoi(5, 9, 45), calendar=OFFICE, fraction=0.8) is SlaState.AT_RISK
    assert state(clock, now=hanoi(5, 10, 30), calendar=OFFICE, fraction=0.8) is SlaState.BREACHED

    # waiting on the customer from Monday 17:00 to Wednesday 09:00 costs nothing
    paused = pause(clock, now=hanoi(4, 17), calendar=OFFICE)
    assert paused.consumed_seconds == HOUR
    resumed = resume(paused, now=hanoi(6, 9))
    assert due_at(resumed, OFFICE) == hanoi(6, 12)  # 3 h left: 09:00-12:00, just before lunch


def test_met_before_the_due_time() -> None:
    clock = start_clock(target=timedelta(minutes=30), now=T0)
    met = meet(clock, now=at(20), calendar=None)
    assert met.met_at == at(20) and met.running_since is None and met.consumed_seconds == 20 * MINUTE
    assert due_at(met, None) is None
    assert state(met, now=at(1000), calendar=None, fraction=0.8) is SlaState.MET
    assert meet(met, now=at(40), calendar=None) == met  # the first answer counts
    assert resume(met, now=at(50)) == met


def test_met_after_the_due_time_is_breached() -> None:
    clock = start_clock(target=timedelta(minutes=30), now=T0)
    late = meet(clock, now=at(45), calendar=None)
    assert state(late, now=at(46), calendar=None, fraction=0.8) is SlaState.BREACHED


def test_met_while_paused_keeps_the_time_used() -> None:
    paused = pause(start_clock(target=timedelta(hours=1), now=T0), now=at(15), calendar=None)
    met = meet(paused, now=at(300), calendar=None)
    assert met.consumed_seconds == 15 * MINUTE
    assert state(met, now=at(300), calendar=None, fraction=0.8) is SlaState.MET


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, SlaState.OK), (47, SlaState.OK), (48, SlaState.AT_RISK), (59, SlaState.AT_RISK), (60, SlaState.BREACHED)],
)
def test_state_over_time(minutes: float, expected: SlaState) -> None:
    clock = start_clock(target=timedelta(hours=1), now=T0)
    assert state(clock, now=at(minutes), calendar=None, fraction=0.8) is expected


def test_a_new_priority_moves_the_due_time() -> None:
    clock = start_clock(target=timedelta(hours=24), now=T0)
    urgent = retarget(clock, target=timedelta(hours=4))
    assert urgent.target_seconds == 4 * HOUR and urgent.running_since == T0
    assert due_at(urgent, None) == at(240)
    assert state(urgent, now=at(300), calendar=None, fraction=0.8) is SlaState.BREACHED


def test_a_clock_already_past_a_lowered_target_is_due_when_it_resumes() -> None:
    paused = pause(start_clock(target=timedelta(hours=4), now=T0), now=at(120), calendar=None)
    resumed = resume(retarget(paused, target=timedelta(hours=1)), now=at(600))
    assert due_at(resumed, None) == at(600)
    assert state(resumed, now=at(600), calendar=None, fraction=0.8) is SlaState.BREACHED


def test_clocks_read_back_with_naive_times_still_work() -> None:
    clock = Clock(target_seconds=HOUR, consumed_seconds=0.0, running_since=T0.replace(tzinfo=None))
    assert due_at(clock, None) == at(60)
    assert elapsed_seconds(clock, now=at(30), calendar=None) == 30 * MINUTE
    assert pause(clock, now=at(30), calendar=None).consumed_seconds == 30 * MINUTE
