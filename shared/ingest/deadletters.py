"""Input an ingest service received but cannot make into an event: kept as a dead letter (deadletter.v1, listed by
the gateway's GET /v1/deadletters) with the reason, instead of being answered with an error and lost.

`source_topic` names where the input came from (e.g. `ingest_email.smtp`): nothing consumes such a topic, so a
replay from the gateway parks it there rather than feeding raw input to a consumer that expects events.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime

from shared.cloudevents import CloudEvent, new_event
from shared.events import DeadLetterRecorded

_NAMESPACE = uuid.UUID("0d7c5f2e-8a51-5b8e-9a55-41c1e8b0f6d3")
# Records on the broker are limited in size: a longer input is cut, and the service keeps it whole itself.
MAX_VALUE_BYTES = 256 * 1024


def input_dead_letter(
    raw: bytes,
    *,
    source: str,
    source_topic: str,
    reason: str,
    failed_at: datetime,
    key: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    tenant: str = "default",
) -> CloudEvent:
    """The dead letter of `raw`; its id derives from the bytes and the source, so a redelivery is the same letter."""
    digest = hashlib.sha256(raw).hexdigest()
    kept = raw[:MAX_VALUE_BYTES]
    extra = [("sha256", digest), ("size", str(len(raw)))]
    if len(raw) > MAX_VALUE_BYTES:
        extra.append(("truncated", "true"))
    try:
        value, encoding = kept.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        value, encoding = base64.b64encode(kept).decode("ascii"), "base64"
    data = DeadLetterRecorded(
        source_topic=source_topic,
        partition=0,
        offset=0,
        consumer_group=source,
        reason=reason[:2000],
        key=key,
        value=value,
        value_encoding=encoding,
        headers=(*headers, *extra),
        failed_at=failed_at,
    )
    event_id = str(uuid.uuid5(_NAMESPACE, f"{source_topic}:{digest}"))
    return new_event(data, source=source, event_id=event_id, subject=f"{source_topic}/{digest}", tenant=tenant)
