"""HTTP response models of case_service's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from case_service.domain import CaseStatus
from shared.events import AddressKind, Channel, Priority


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MessageOut(_Out):
    id: str
    channel: Channel
    provider: str
    provider_message_id: str
    direction: str
    sender_kind: AddressKind
    sender_address: str
    sender_display_name: str | None
    recipient: str | None
    subject: str | None
    text: str
    html: str | None
    language: str | None
    auto_submitted: bool
    received_at: datetime
    created_at: datetime
    thread: dict[str, Any]
    attachments: list[dict[str, Any]]


class CaseSummary(_Out):
    id: str
    reference: str
    status: CaseStatus
    channel: Channel
    category: str
    priority: Priority
    language: str | None
    subject: str | None
    customer_id: str
    assignee_agent_id: str | None
    assigned_at: datetime | None
    opened_at: datetime
    updated_at: datetime


class CaseDetail(CaseSummary):
    """A case with its messages, oldest first."""

    messages: list[MessageOut]


class CaseList(BaseModel):
    items: list[CaseSummary]


class ContactPointOut(_Out):
    kind: AddressKind
    address: str
    valid: bool
    created_at: datetime


class CustomerDetail(_Out):
    """A customer with every contact point and their cases, newest first."""

    id: str
    display_name: str | None
    created_at: datetime
    contact_points: list[ContactPointOut]
    cases: list[CaseSummary]
