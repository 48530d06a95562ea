"""How the supervisor's screens write values: a code's label from the catalogue (or the code itself when the
catalogue has none, as for a category someone configured), durations, shares and times, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request

from services.console.auth import console_state
from services.console.i18n import Translator
from services.console.messages import MESSAGES
from services.console.sessions import SignedIn

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from a service (UTC when it has no offset), or None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Formatting:
    t: Translator

    def label(self, prefix: str, value: Any) -> str:
        """`t(term.prefix.value)` (spaces in the value as underscores) when the catalogue has it, else the value as
        it is."""
        text = "" if value is None else str(value)
        key = f"term.{prefix}.{text.replace(' ', '_')}"
        return self.t(key) if key in MESSAGES else text

    def duration(self, seconds: Any) -> str:
        """`45 s`, `3 min`, `2 h 5 min`, `3 d 4 h`: two units at most; `—` for no value."""
        if not isinstance(seconds, int | float):
            return "—"
        total = int(abs(seconds))
        if total < MINUTE:
            return self.t("duration.seconds", n=total)
        if total < HOUR:
            return self.t("duration.minutes", n=total // MINUTE)
        if total < DAY:
            hours, rest = divmod(total, HOUR)
            return self.t("duration.hours_minutes", h=hours, m=rest // MINUTE)
        days, rest = divmod(total, DAY)
        return self.t("duration.days_hours", d=days, h=rest // HOUR)

    def percent(self, share: Any) -> str:
        """`87%` for 0.87; `—` for no value."""
        if not isinstance(share, int | float):
            return "—"
        return f"{round(share * 100)}%"

    def number(self, value: Any, digits: int = 1) -> str:
        if not isinstance(value, int | float):
            return "—"
        return f"{value:.{digits}f}"

    def stamp(self, value: Any) -> str:
        """A service's time as `2026-03-02 09:00 UTC` (the page's script shows it in the reader's time zone)."""
        parsed = parse_time(value)
        return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if parsed is not None else "—"

    def part(self, value: Any) -> str:
        """A value as one path segment of a console URL (an id never changes the path)."""
        return quote("" if value is None else str(value), safe="")

    def query(self, **params: Any) -> str:
        """`?a=1&b=2` of the params that have a value."""
        given = {name: value for name, value in params.items() if value not in (None, "")}
        return "?" + urlencode(given) if given else ""

    def age(self, value: Any, now: datetime) -> str:
        """How long ago a service's time was, as a duration."""
        parsed = parse_time(value)
        return self.duration((now - parsed).total_seconds()) if parsed is not None else "—"


def formatting(request: Request, user: SignedIn) -> Formatting:
    """The formatting of the signed-in user's pages (their language, as the page itself is rendered)."""
    return Formatting(Translator(console_state(request).pages.language(request, user.user.language)))
