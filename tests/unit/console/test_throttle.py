"""The login throttle: N failures within the window block the next attempt until the oldest of them leaves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.console.throttle import ThrottlePolicy, account_key, address_key, blocked

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(max_failures=5, max_failures_per_address=20, window=timedelta(minutes=15))


def minutes_ago(*values: float) -> list[datetime]:
    return [NOW - timedelta(minutes=value) for value in values]


def test_fewer_failures_than_the_limit_are_allowed() -> None:
    assert blocked(POLICY, account_failures=minutes_ago(1, 2, 3, 4), address_failures=[], now=NOW) is None


def test_the_limit_blocks_until_the_oldest_counted_failure_leaves_the_window() -> None:
    wait = blocked(POLICY, account_failures=minutes_ago(1, 2, 3, 4, 10), address_failures=[], now=NOW)
    assert wait is not None
    assert wait.retry_after == timedelta(minutes=5)
    assert wait.minutes == 5


def test_failures_older_than_the_window_do_not_count() -> None:
    assert blocked(POLICY, account_failures=minutes_ago(1, 2, 3, 16, 20), address_failures=[], now=NOW) is None


def test_many_failures_from_one_address_block_every_account_tried_from_it() -> None:
    address_failures = minutes_ago(*[0.5 * n for n in range(1, 21)])
    wait = blocked(POLICY, account_failures=[], address_failures=address_failures, now=NOW)
    assert wait is not None and wait.minutes == 5  # the oldest (10 min ago) leaves the window in 5 min


def test_a_wait_under_a_minute_still_says_one_minute() -> None:
    wait = blocked(POLICY, account_failures=minutes_ago(1, 2, 3, 4, 14.9), address_failures=[], now=NOW)
    assert wait is not None and wait.minutes == 1


def test_keys_are_hashes_and_account_names_ignore_case() -> None:
    assert account_key("Admin ") == account_key("admin")
    assert "admin" not in account_key("admin") and len(account_key("admin")) == 64
    assert address_key("127.0.0.1") != address_key("127.0.0.2")
