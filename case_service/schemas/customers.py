"""HTTP models of the customers API: the 360° view, search, edits, merges and duplicate suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from case_service.schemas.cases import CaseSummary
from shared.events import AddressKind, Channel
from shared.text import CleanInput


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ContactPointOut(_Out):
    kind: AddressKind
    address: str = Field(description="Normalized: E.164 for phone numbers, lower-case email.")
    valid: bool
    opted_out: bool = Field(description="The customer asked for no more messages here (e.g. SMS STOP).")
    opted_out_at: datetime | None
    created_at: datetime


class CustomerMessage(_Out):
    """One message of one of the customer's cases."""

    id: str
    case_id: str
    case_reference: str
    direction: str = Field(description="inbound (the customer's), outbound (ours) or note (internal).")
    purpose: str | None = Field(description="For outbound messages: acknowledgement, reply or survey.")
    channel: Channel
    sender_address: str
    subject: str | None
    text: str
    received_at: datetime


class CsatAnswer(_Out):
    case_id: str
    reference: str
    score: int
    comment: str | None
    answered_at: datetime


class CustomerSummary(_Out):
    id: str
    display_name: str | None
    language: str | None
    opted_out: bool
    merged_into: str | None = Field(description="The customer this one is merged into, while the merge stands.")
    created_at: datetime
    contact_points: list[ContactPointOut]
    open_cases: int = Field(description="Cases that are new, open or pending the customer.")
    complaint_count: int = Field(description="All the customer's cases.")


class CustomerDetail(CustomerSummary):
    """A customer across every channel: contact points, all cases newest first, their messages, CSAT answers."""

    cases: list[CaseSummary]
    messages: list[CustomerMessage] = Field(
        description="The messages of all the customer's cases across channels, oldest first; at most the 500 newest "
        "(`messages_truncated` says when older ones were left out; read a case for its whole history)."
    )
    messages_truncated: bool
    csat_history: list[CsatAnswer] = Field(description="Answered satisfaction surveys, oldest first.")
    first_contact_at: datetime | None = Field(description="The customer's first message to us.")
    last_contact_at: datetime | None = Field(description="The customer's latest message to us.")


class CustomerList(BaseModel):
    items: list[CustomerSummary]


class CustomerPatch(CleanInput):
    """The fields to change; at least one."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, min_length=1, max_length=200)
    language: str | None = Field(None, pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$", description="e.g. vi or en.")
    opted_out: bool | None = Field(None, description="True: send this customer no automatic messages.")

    @model_validator(mode="after")
    def _something(self) -> CustomerPatch:
        if not self.model_fields_set or all(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError("give at least one of display_name, language, opted_out")
        return self


class FieldChange(BaseModel):
    field: str
    old: Any
    new: Any


class CustomerPatched(CustomerDetail):
    """The customer after the change, with what changed, by whom and when (the audit of the edit)."""

    changes: list[FieldChange]
    changed_by: str
    changed_at: datetime


class MergeRequest(CleanInput):
    other_customer_id: str = Field(min_length=1, max_length=36, description="The customer folded into this one.")


class MergeCreated(BaseModel):
    merge_id: str


class MergeUndone(BaseModel):
    merge_id: str
    survivor_id: str
    merged_id: str
    undone_at: datetime


class EvidenceOut(BaseModel):
    rule: str = Field(description="same_phone, same_email or same_name_and_overlapping_contacts")
    detail: str


class DuplicateCandidate(BaseModel):
    customer_id: str
    display_name: str | None
    evidence: list[EvidenceOut]


class DuplicateList(BaseModel):
    """Likely duplicates, strongest evidence first; suggestions only, nothing is merged."""

    items: list[DuplicateCandidate]
