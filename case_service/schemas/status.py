"""HTTP models of the customer's status page (only what the page shows: no agent, no note, no address) and of the
staff's status link routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from case_service.domain import CaseStatus


class StatusAttachment(BaseModel):
    filename: str | None
    content_type: str | None
    size: int | None
    download_url: str | None = Field(
        None, description="A short-lived signed link to the stored file (on the storing service), when it has one."
    )


class StatusMessage(BaseModel):
    """A message the customer and we exchanged on the case."""

    id: str
    author: Literal["customer", "us"] = Field(description="customer: theirs; us: a reply or an automatic message.")
    channel: str
    text: str
    at: datetime
    attachments: list[StatusAttachment]


class CaseStatusView(BaseModel):
    case_reference: str
    status: CaseStatus
    subject: str | None
    language: str | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    can_write: bool = Field(description="Whether a message written on the page joins this case (not closed).")
    link_expires_at: datetime
    messages: list[StatusMessage] = Field(description="Oldest first; the latest 200.")


class StatusLinksRevoked(BaseModel):
    case_id: str
    revoked: int = Field(description="How many links stopped working now (0: none was left).")


class StatusLinkIssued(BaseModel):
    case_id: str
    url: str
    expires_at: datetime


class InboundPlacement(BaseModel):
    """Where a message submitted through the gateway went, once case_service stored it."""

    message_id: str
    case_id: str
    case_reference: str
    case_status: CaseStatus
    status_url: str | None = Field(description="A working status link of the case, when it has one.")
