"""CloudEvents 1.0 envelope in structured JSON mode, and the registry that maps `type` to a data model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONTENT_TYPE: Final = "application/cloudevents+json; charset=UTF-8"


class EventData(BaseModel):
    """Base of every event payload: frozen, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    event_type: ClassVar[str]


class CloudEvent(BaseModel):
    """The envelope. Extensions: tenant, correlationid, traceparent (lower-case names, as the spec requires)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    tenant: str = "default"
    correlationid: str | None = None
    traceparent: str | None = None

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class UnknownEventType(LookupError):
    """The envelope names a type no model is registered for."""


def new_event(
    data: EventData,
    *,
    source: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    tenant: str = "default",
    traceparent: str | None = None,
) -> CloudEvent:
    """Wrap `data` in an envelope with a fresh id and the current time unless given."""
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=data.event_type,
        subject=subject,
        time=time or datetime.now(UTC),
        data=data.model_dump(mode="json"),
        tenant=tenant,
        correlationid=correlation_id,
        traceparent=traceparent,
    )


def decode(raw: bytes | str) -> CloudEvent:
    """Parse a structured-mode record value. Raises ValidationError on anything that is not an envelope."""
    return CloudEvent.model_validate_json(raw)


__all__ = [
    "CONTENT_TYPE",
    "CloudEvent",
    "EventData",
    "UnknownEventType",
    "ValidationError",
    "decode",
    "new_event",
]
