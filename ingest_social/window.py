"""WhatsApp's customer service window: a free-form message may go to a customer only within 24 hours of their
last message; after that only an approved template may (not sent from here: the reply is reported failed)."""

from __future__ import annotations

from datetime import datetime, timedelta


def outside_window_error(hours: float) -> str:
    return f"outside the {hours:g}-hour window: a template message is needed"


def is_open(last_inbound: datetime | None, *, now: datetime, hours: float) -> bool:
    return last_inbound is not None and now - last_inbound < timedelta(hours=hours)


def window_start(sent_at: datetime | None, *, received_at: datetime) -> datetime:
    """The window runs from when the customer wrote (the platform's timestamp), never from the future."""
    if sent_at is None or sent_at > received_at:
        return received_at
    return sent_at
