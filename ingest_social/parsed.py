"""What a platform's webhook call holds once normalized: customers' messages, and news about messages we sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.events import Channel, ComplaintMessageReceived, DeliveryStatus
from shared.ingest import jsonbody
from shared.ingest.media import MediaRef


class NotUnderstood(ValueError):
    """A genuine request whose body is not what the platform sends (a permanent problem: retrying will not help)."""


@dataclass(frozen=True)
class StatusUpdate:
    """A platform's word on messages we sent: by their ids, or (Messenger watermarks) all sent to `recipient` up to
    `watermark`."""

    channel: Channel
    status: DeliveryStatus
    provider_message_ids: tuple[str, ...] = ()
    recipient: str | None = None
    watermark: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class Parsed:
    """Every entry of one webhook call: each message is its own event; `skipped` counts what is not news to us."""

    messages: tuple[ComplaintMessageReceived, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    skipped: int = 0
    # where each message's files are fetched from, by provider message id (the ids and URLs as the platform sent
    # them: the events keep only the links fit to show)
    media: Mapping[str, tuple[MediaRef, ...]] = field(default_factory=dict)

    def __add__(self, other: Parsed) -> Parsed:
        return Parsed(
            messages=self.messages + other.messages,
            statuses=self.statuses + other.statuses,
            skipped=self.skipped + other.skipped,
            media={**self.media, **other.media},
        )


def message_with(data: ComplaintMessageReceived, refs: tuple[MediaRef, ...] = ()) -> Parsed:
    """One message, and where its files are fetched from."""
    return Parsed(messages=(data,), media={data.provider_message_id: refs} if refs else {})


NOTHING = Parsed()
SKIPPED = Parsed(skipped=1)


def load_json(body: bytes) -> Any:
    """Raises jsonbody.TooDeep for a body nested deeper than any platform sends, NotUnderstood for one not JSON."""
    try:
        return jsonbody.loads(body)
    except jsonbody.TooDeep:
        raise
    except ValueError as error:
        raise NotUnderstood("the body is not JSON") from error


def as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NotUnderstood(f"{what} is not a JSON object")
    return value


def objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list (a missing or malformed list is empty)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text_id(value: Any) -> str | None:
    """A platform id as text: large numeric ids (Zalo, X, Telegram) must never pass through a float."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def from_epoch(value: Any) -> datetime | None:
    """A platform timestamp (seconds or milliseconds since the epoch, number or text) in UTC."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def child(parent: dict[str, Any], name: str) -> dict[str, Any]:
    """The object under `name` (an empty one when it is missing or not an object)."""
    value = parent.get(name)
    return value if isinstance(value, dict) else {}
