"""What the desk's pages show, worked out without I/O: the filters of "my cases", the unread marker, SLA labels and
the values the services know (statuses, channels...), each with its catalogue key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATUSES = ("new", "open", "pending_customer", "resolved", "closed")
SLA_STATES = ("ok", "at_risk", "breached", "paused", "met")
CHANNELS = ("email", "sms", "phone", "messenger", "instagram", "whatsapp", "telegram", "zalo", "x", "web", "api")
PRIORITIES = ("low", "normal", "high", "urgent")
PRESENCES = ("available", "busy", "away", "offline")
# The default taxonomy of the case service; a deployment's own categories show as their code.
CATEGORIES = (
    "delivery_delay",
    "damaged_goods",
    "product_quality",
    "billing_refund",
    "staff_attitude",
    "technical",
    "other",
)
MARKERS = ("angry", "legal_threat", "urgent", "vip")
DECLINE_REASONS = ("skill", "language", "busy", "conflict")
DELIVERY_STATUSES = ("requested", "sent", "delivered", "failed", "skipped")
DIRECTIONS = ("inbound", "outbound", "note")
PURPOSES = ("acknowledgement", "reply", "survey")
CLOCKS = ("first_response", "resolution")
THREAD_RULES = (
    "in_reply_to",
    "references",
    "subject_reference",
    "text_reference",
    "conversation_id",
    "open_case_on_channel",
    "reopen_recently_resolved",
    "new_case",
)
# Clocks that still run show a countdown; met and paused ones do not.
COUNTING = frozenset({"ok", "at_risk", "breached"})
MAX_QUERY = 200
MAX_CURSOR = 500
SEEN_PREFIX = "desk_seen:"


@dataclass(frozen=True)
class CaseFilters:
    """The filters of "my cases", from the page's query string; a value the services do not know is left out."""

    status: str = ""
    sla: str = ""
    channel: str = ""
    q: str = ""
    cursor: str = ""

    @classmethod
    def of(cls, *, status: str, sla: str, channel: str, q: str, cursor: str = "") -> CaseFilters:
        return cls(
            status=status if status in STATUSES else "",
            sla=sla if sla in SLA_STATES else "",
            channel=channel if channel in CHANNELS else "",
            q=" ".join(q.split())[:MAX_QUERY],
            cursor=cursor if len(cursor) <= MAX_CURSOR else "",
        )

    @property
    def any(self) -> bool:
        return bool(self.status or self.sla or self.channel or self.q)

    def params(self) -> dict[str, str]:
        """The query of GET /v1/cases."""
        values = {"status": self.status, "sla": self.sla, "channel": self.channel, "q": self.q, "cursor": self.cursor}
        return {name: value for name, value in values.items() if value}

    def next_page(self, cursor: str) -> dict[str, str]:
        """The page's own query for the next page (the cursor the list answered)."""
        return {**self.params(), "cursor": cursor}


def seen_key(case_id: str) -> str:
    """The preference holding when the agent last saw the case's customer messages."""
    return f"{SEEN_PREFIX}{case_id}"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def is_unread(last_customer_message_at: Any, seen: Any) -> bool:
    """A case is unread when the customer wrote after the agent last opened it (or it was never opened)."""
    last = parse_time(last_customer_message_at)
    if last is None:
        return False
    seen_at = parse_time(seen)
    return seen_at is None or last > seen_at


def latest_customer_message_at(messages: list[dict[str, Any]]) -> str | None:
    """When the customer last wrote on the case (its messages, oldest first)."""
    times = [m.get("received_at") for m in messages if m.get("direction") == "inbound"]
    parsed = [(parse_time(value), value) for value in times]
    known = [(at, value) for at, value in parsed if at is not None]
    return max(known)[1] if known else None


def duration_text(seconds: float) -> str:
    """`2 d 3 h`, `1 h 05 min`, `4 min 09 s`, `7 s`: the larger two units, the same in both languages (and as
    static/desk.js counts down)."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def local_time(value: Any) -> str:
    """A service's timestamp as `2025-01-10 14:03 UTC`, or the value itself when it is not one."""
    parsed = parse_time(value)
    if parsed is None:
        return str(value or "")
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def label_or_code(t: Any, prefix: str, value: Any, known: tuple[str, ...]) -> str:
    """The catalogue label of a known value, else the value as the service gave it (shown escaped)."""
    text = str(value or "")
    return t(f"{prefix}{text}") if text in known else text


class Labels:
    """The readable names of the services' codes in the page's language (templates call `labels.status(x)`)."""

    def __init__(self, t: Any) -> None:
        self._t = t

    def status(self, value: Any) -> str:
        return label_or_code(self._t, "desk.status.", value, STATUSES)

    def priority(self, value: Any) -> str:
        return label_or_code(self._t, "desk.priority.", value, PRIORITIES)

    def channel(self, value: Any) -> str:
        return label_or_code(self._t, "desk.channel.", value, CHANNELS)

    def category(self, value: Any) -> str:
        return label_or_code(self._t, "desk.category.", value, CATEGORIES)

    def marker(self, value: Any) -> str:
        return label_or_code(self._t, "desk.marker.", value, MARKERS)

    def sla(self, value: Any) -> str:
        return label_or_code(self._t, "desk.sla.", value, SLA_STATES)

    def presence(self, value: Any) -> str:
        return label_or_code(self._t, "desk.presence.", value, PRESENCES)

    def delivery(self, value: Any) -> str:
        return label_or_code(self._t, "desk.delivery.", value, DELIVERY_STATUSES)

    def direction(self, value: Any) -> str:
        return label_or_code(self._t, "casepage.direction.", value, DIRECTIONS)

    def purpose(self, value: Any) -> str:
        return label_or_code(self._t, "casepage.purpose.", value, PURPOSES)

    def clock(self, value: Any) -> str:
        return label_or_code(self._t, "casepage.clock.", value, CLOCKS)

    def thread_rule(self, value: Any) -> str:
        return label_or_code(self._t, "casetl.rule.", value, THREAD_RULES)

    def decline_reason(self, value: Any) -> str:
        return label_or_code(self._t, "desk.reason.", value, DECLINE_REASONS)

    def time_left(self, seconds: Any) -> str:
        if not isinstance(seconds, int | float):
            return ""
        key = "desk.sla.left" if seconds >= 0 else "desk.sla.over"
        return str(self._t(key, time=duration_text(seconds)))

    def when(self, value: Any) -> str:
        return local_time(value)
