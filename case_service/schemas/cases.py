"""HTTP request and response models of the case API: lists, the case detail, and the agent actions' bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field, model_validator

from case_service.domain import CaseStatus
from shared.events import Channel, Priority
from shared.text import CleanInput

# Surrounding blanks are dropped, so a text of only spaces counts as missing (422).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MessageOut(_Out):
    """A message of the case: a customer's (inbound), a reply or automatic message (outbound) or an internal note."""

    id: str
    case_id: str
    channel: Channel
    provider: str
    provider_message_id: str
    direction: str = Field(description="inbound, outbound or note")
    purpose: str | None = Field(None, description="Outbound: acknowledgement, reply or survey.")
    author_agent_id: str | None = None
    sender_kind: str
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
    thread_rule: str | None = Field(None, description="The threading rule that put the message in this case.")
    thread_reason: str | None = None
    message_id: str | None = Field(
        None, validation_alias="message_id_header", description="The email Message-ID (ours on outbound mail)."
    )
    delivery_status: str | None = Field(
        None, description="Outbound: requested, sent, delivered, failed or skipped, as the channel reported it."
    )
    delivery_error: str | None = None
    attachments: list[dict[str, Any]] = Field(
        description="Attachment metadata: filename, content_type, size, sha256, store (the service keeping the file), "
        "url (a provider's, never fetched by the browser) and download_url: a signed link, valid for "
        "CASE_SERVICE_ATTACHMENT_LINK_TTL_SECONDS, that serves the stored file (null when it cannot be opened)."
    )


class CaseSummary(_Out):
    id: str
    reference: str
    status: CaseStatus
    channel: Channel
    category: str
    priority: Priority
    markers: list[str] = []
    language: str | None
    subject: str | None
    customer_id: str
    assignee_agent_id: str | None
    assigned_at: datetime | None
    opened_at: datetime
    updated_at: datetime
    sla_status: str = Field("ok", description="The worst state of the case's SLA clocks.")
    escalated: bool = False
    reopen_count: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assignee(self) -> str | None:
        """The agent holding the case (same as `assignee_agent_id`)."""
        return self.assignee_agent_id


class TimelineEntryOut(_Out):
    at: datetime
    kind: str
    actor_kind: str = Field(description="customer, agent, supervisor, admin, system or router")
    actor_id: str | None
    message_id: str | None
    detail: dict[str, Any]


class PlaybookOut(BaseModel):
    category: str
    questions: list[str]
    steps: list[str]


class ClockOut(BaseModel):
    target: str = Field(description="first_response or resolution")
    state: str = Field(description="ok, at_risk, breached, paused or met")
    target_seconds: float
    elapsed_seconds: float
    remaining_seconds: float
    due_at: datetime | None
    met_at: datetime | None
    paused: bool


class SlaOut(BaseModel):
    status: str = Field(description="The worst state among the clocks.")
    clocks: list[ClockOut]


class CsatOut(BaseModel):
    score: int
    comment: str | None
    answered_at: datetime | None


class CaseDetail(CaseSummary):
    """A case with its messages (oldest first), timeline (oldest first), playbook, SLA clocks and satisfaction."""

    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_code: str | None
    root_cause: str | None
    escalation_reason: str | None
    messages: list[MessageOut]
    timeline: list[TimelineEntryOut]
    playbook: PlaybookOut | None
    sla: SlaOut
    csat: CsatOut | None


class CaseListItem(CaseSummary):
    """A case in a list: its SLA state as of now with the time left, and the customer's latest message."""

    sla_status: str = Field("ok", description="ok, at_risk, breached, paused or met: the worst clock, as of now.")
    sla_due_at: datetime | None = Field(None, description="When the running clock due soonest runs out (null: none).")
    sla_remaining_seconds: float | None = Field(
        None, description="Business seconds left on that clock; negative once it is breached."
    )
    last_customer_message_at: datetime | None = Field(None, description="When the customer last wrote on the case.")
    last_customer_message_preview: str | None = Field(
        None, description="The first 200 characters of the customer's latest message."
    )


class CaseList(BaseModel):
    items: list[CaseListItem]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page.")


class ReplyFileIn(CleanInput):
    """A file to send with the reply: uploaded (`filename`, `content_type`, `content_base64`; stored by case_service)
    or one already on the case, named by its `sha256` alone (a file the customer sent, say)."""

    model_config = ConfigDict(extra="forbid")

    filename: str | None = Field(None, min_length=1, max_length=255)
    content_type: str | None = Field(None, min_length=3, max_length=255)
    content_base64: str | None = Field(None, min_length=1, description="The file's bytes, base64-encoded.")
    sha256: str | None = Field(None, pattern="^[0-9a-f]{64}$", description="A stored file of this case.")

    @model_validator(mode="after")
    def _upload_or_reference(self) -> ReplyFileIn:
        upload = (self.filename, self.content_type, self.content_base64)
        if self.sha256 is not None and any(part is not None for part in upload):
            raise ValueError("give sha256 alone, or filename, content_type and content_base64")
        if self.sha256 is None and any(part is None for part in upload):
            raise ValueError("an upload needs filename, content_type and content_base64")
        return self


class ReplyIn(CleanInput):
    text: Text
    await_customer: bool = Field(False, description="Wait on the customer after this reply (pending_customer).")
    attachments: list[ReplyFileIn] = Field(
        [],
        max_length=20,
        description="Files to send (at most CASE_SERVICE_MAX_ATTACHMENTS, each at most "
        "CASE_SERVICE_MAX_ATTACHMENT_BYTES); only what the case's channel can carry (422 otherwise).",
    )


class NoteIn(CleanInput):
    text: Text


class EscalateIn(CleanInput):
    reason: Reason


class ResolveIn(CleanInput):
    resolution_code: Tag
    root_cause: Tag


class ReopenIn(CleanInput):
    reason: Reason


class CloseIn(CleanInput):
    reason: Reason | None = None


class ReclassifyIn(CleanInput):
    """An agent's override of the automatic classification: at least one of the two."""

    category: Tag | None = None
    priority: Priority | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ReclassifyIn:
        if self.category is None and self.priority is None:
            raise ValueError("give category, priority or both")
        return self


class SplitIn(CleanInput):
    message_ids: list[Id] = Field(min_length=1, max_length=500, description="Inbound messages of this case.")


class MoveIn(CleanInput):
    message_id: Id
    to_case_id: Id
