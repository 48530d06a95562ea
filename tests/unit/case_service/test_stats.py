"""The pure parts of the statistics: the period asked for, nearest-rank percentiles, days without gaps, and which
categories are rising."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from case_service.stats import BadPeriod, Rising, days, percentiles, period, rising

NOW = datetime(2026, 3, 15, 10, 30, tzinfo=UTC)


def test_the_period_defaults_to_the_30_days_before_now() -> None:
    assert period(None, None, now=NOW) == (NOW - timedelta(days=30), NOW)
    assert period(None, "2026-03-10T12:00:00Z", now=NOW) == (
        datetime(2026, 2, 8, 12, tzinfo=UTC),
        datetime(2026, 3, 10, 12, tzinfo=UTC),
    )


def test_dates_mean_whole_days_and_datetimes_without_offset_are_utc() -> None:
    assert period("2026-03-01", "2026-03-07", now=NOW) == (
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 8, tzinfo=UTC),
    )
    assert period("2026-03-01T08:00:00", "2026-03-01T17:00:00+07:00", now=NOW) == (
        datetime(2026, 3, 1, 8, tzinfo=UTC),
        datetime(2026, 3, 1, 10, tzinfo=UTC),
    )


def test_a_period_ending_before_it_starts_or_unreadable_is_refused() -> None:
    for start, end in [("2026-03-10", "2026-03-01"), ("yesterday", None), (None, "2026-02-30")]:
        with pytest.raises(BadPeriod):
            period(start, end, now=NOW)
    assert period("2026-03-01", "2026-03-01", now=NOW)[1] == datetime(2026, 3, 2, tzinfo=UTC), "one whole day"


def test_percentiles_are_values_that_occurred_by_nearest_rank() -> None:
    assert percentiles([]) == {"count": 0, "p50": None, "p90": None, "p95": None}
    assert percentiles([7.0]) == {"count": 1, "p50": 7.0, "p90": 7.0, "p95": 7.0}
    assert percentiles([5, 1, 4, 2, 3]) == {"count": 5, "p50": 3, "p90": 5, "p95": 5}
    hundred = percentiles([float(n) for n in range(1, 101)])
    assert (hundred["p50"], hundred["p90"], hundred["p95"]) == (50.0, 90.0, 95.0)


def test_every_day_of_the_period_is_listed_with_zeros() -> None:
    listed = days(datetime(2026, 3, 1, 12, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC), {date(2026, 3, 2): 4})
    assert listed == [
        {"date": date(2026, 3, 1), "count": 0},
        {"date": date(2026, 3, 2), "count": 4},
        {"date": date(2026, 3, 3), "count": 0},
    ]
    assert days(NOW, NOW, {}) == []


def test_rising_categories_fastest_first_and_only_rising_ones() -> None:
    this_week = {"damaged_goods": 6, "delivery_delay": 4, "billing_refund": 2, "technical": 1, "other": 3}
    last_week = {"damaged_goods": 2, "delivery_delay": 4, "billing_refund": 0, "other": 5}
    assert rising(this_week, last_week) == [
        Rising("damaged_goods", 6, 2, 2.0),
        Rising("billing_refund", 2, 0, 2.0),
        Rising("technical", 1, 0, 1.0),
    ]
    assert rising({}, {"other": 3}) == []
