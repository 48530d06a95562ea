"""The login throttle's rule: too many recent failures for an account or from an address blocks the next attempt."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    max_failures_per_address: int
    window: timedelta


@dataclass(frozen=True)
class Blocked:
    retry_after: timedelta

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def blocked(
    policy: ThrottlePolicy, *, account_failures: Sequence[datetime], address_failures: Sequence[datetime], now: datetime
) -> Blocked | None:
    """Blocked until the oldest failure that keeps a count at its limit leaves the window; None when allowed.

    `*_failures` are the times of failures within the window (any order)."""
    waits = [
        _wait(failures, limit, policy.window, now)
        for failures, limit in (
            (account_failures, policy.max_failures),
            (address_failures, policy.max_failures_per_address),
        )
    ]
    longest = max((wait for wait in waits if wait is not None), default=None)
    return Blocked(longest) if longest is not None else None


def _wait(failures: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> timedelta | None:
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return None
    # Allowed again once only limit - 1 failures remain in the window.
    frees_at = recent[len(recent) - limit] + window
    return max(frees_at - now, timedelta(seconds=1))


def account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def address_key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()
