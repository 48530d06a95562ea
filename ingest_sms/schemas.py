"""HTTP request and response bodies of ingest_sms (the Twilio webhooks are form posts, not schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.db import as_utc
from shared.text import CleanInput

CASE_REFERENCE_PATTERN = r"^C-\d{4}-\d{6,}$"

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class PhoneNoteRequest(CleanInput):
    """A note about a call, from an agent or a CTI system. Unknown fields are refused: a typo must not vanish."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    caller_number: str = Field(
        min_length=3, max_length=64, description="The customer's number, in any common form.", examples=["0912 345 678"]
    )
    direction: Literal["inbound", "outbound"] = Field(description="inbound: the customer called; outbound: we did.")
    started_at: UtcDatetime = Field(description="When the call started (without an offset: UTC).")
    duration_seconds: int | None = Field(None, ge=0, le=86_400)
    agent_id: str | None = Field(
        None, min_length=1, max_length=200, description="Who took the call; an agent's token sets it."
    )
    note: str = Field(min_length=1, max_length=20_000)
    outcome: str | None = Field(None, min_length=1, max_length=200, examples=["callback promised"])
    case_reference: str | None = Field(
        None, pattern=CASE_REFERENCE_PATTERN, description="The case the call was about.", examples=["C-2026-000123"]
    )
    note_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Your id of the note: the same id again creates nothing (default: caller, start, agent, note).",
    )

    @field_validator("note")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class PhoneNoteAccepted(BaseModel):
    event_id: str
    provider_message_id: str
