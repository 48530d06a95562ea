"""Everything the gateway stores is UTC: SQLite keeps no offset, so a time must be in UTC before it is written."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive value (as SQLite hands back) is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
