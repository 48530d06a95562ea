"""The event payloads every service agrees on. Additive changes only; a new meaning is a new `.vN` type."""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.cloudevents import CloudEvent, EventData, UnknownEventType
from shared.links import refused_link_reason
from shared.text import clean_strings, clean_text


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    ZALO = "zalo"
    X = "x"
    WEB = "web"
    API = "api"


class AddressKind(StrEnum):
    """What a contact address is: it scopes the address (a Telegram id and a Zalo id may collide)."""

    EMAIL = "email"
    PHONE = "phone"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    ZALO = "zalo"
    X = "x"
    EXTERNAL = "external"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        return clean_strings(data)


class _Event(EventData):
    """An event payload whose text the databases can hold: see shared.text (a NUL alone makes PostgreSQL refuse)."""

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        return clean_strings(data)


class ContactAddress(_Part):
    """A normalized address (E.164 phone, lower-case email, platform user id) and what it was before."""

    kind: AddressKind
    address: str = Field(min_length=1)
    raw: str | None = None
    valid: bool = True


class Sender(ContactAddress):
    display_name: str | None = None


class AttachmentMeta(_Part):
    """What is known of an attachment. A `url` we must never fetch or show as a link (not http/https, credentials in
    it, a loopback, private or link-local host) is dropped, and `url_refused` says why.

    A stored file has its `sha256` and `store`, the service keeping it (`gateway`, `ingest_email`, `ingest_sms`,
    `ingest_social`, `case_service`), which serves it by signed link; events from before `store` existed name none
    (their files are ingest_email's)."""

    filename: str | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    url: str | None = None
    content_id: str | None = None
    url_refused: str | None = None
    store: str | None = None
    download_error: str | None = None  # why a provider's file could not be fetched and stored (too large, ...)
    # On outbound requests: a signed link (shared.attachment_links) the channel service fetches the bytes from.
    download_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_unsafe_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            reason = refused_link_reason(data["url"])
            if reason is not None:
                return {**data, "url": None, "url_refused": reason}
        return data


class ThreadRefs(_Part):
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    conversation_id: str | None = None


class ComplaintMessageReceived(_Event):
    """A customer's message, normalized by an ingest adapter; `provider_message_id` is the dedup key."""

    event_type = "complaint.message.received.v1"

    channel: Channel
    provider: str = Field(min_length=1)
    provider_message_id: str = Field(min_length=1)
    received_at: datetime
    sender: Sender
    recipient: str | None = None
    subject: str | None = None
    text: str = ""
    html: str | None = None
    language: str | None = None
    attachments: tuple[AttachmentMeta, ...] = ()
    thread: ThreadRefs = ThreadRefs()
    auto_submitted: bool = False
    customer_ref: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _note_refused_urls(self) -> ComplaintMessageReceived:
        refused = [
            {"attachment": index, "reason": attachment.url_refused}
            for index, attachment in enumerate(self.attachments)
            if attachment.url_refused
        ]
        if refused:
            self.metadata["attachment_urls_refused"] = refused
        return self


class ComplaintAttachmentsStored(_Event):
    """The files of a customer's message that came as provider references (a media id, a file id, a media URL),
    fetched from the provider and stored by the channel service after it accepted the message (on
    complaints.inbound.v1, keyed like the message, so it follows it). `attachments` replaces the message's list,
    in the same order: each stored one has its sha256 and store, each that could not be has `url_refused` or
    `download_error`."""

    event_type = "complaint.attachments_stored.v1"

    channel: Channel
    provider: str = Field(min_length=1)
    provider_message_id: str = Field(min_length=1)
    attachments: tuple[AttachmentMeta, ...]
    stored_at: datetime


class CaseOpened(_Event):
    event_type = "case.opened.v1"

    case_id: str
    case_reference: str
    customer_id: str
    channel: Channel
    category: str
    priority: Priority
    language: str | None = None
    subject: str | None = None
    message_id: str
    opened_at: datetime
    markers: tuple[str, ...] = ()  # e.g. "angry", "urgent", "vip": may raise the skill level the case needs
    preferred_skills: tuple[str, ...] = ()  # skills that help with the case, beyond the one it requires


class CaseMessageAdded(_Event):
    event_type = "case.message_added.v1"

    case_id: str
    case_reference: str
    customer_id: str
    message_id: str
    channel: Channel
    direction: str = "inbound"
    added_at: datetime


class CaseAssigned(_Event):
    event_type = "case.assigned.v1"

    case_id: str
    agent_id: str
    assigned_at: datetime
    assignment_id: str | None = None


class CaseOffered(_Event):
    """The router offered the case to an agent, who must accept or decline it before `expires_at`."""

    event_type = "case.offered.v1"

    case_id: str
    offer_id: str
    agent_id: str
    offered_at: datetime
    expires_at: datetime


class CaseOfferEnded(_Event):
    """An offer ended without an assignment: `outcome` declined, expired (no answer in time) or rescinded (the
    agent went away or offline). The router offers the case to someone else or queues it."""

    event_type = "case.offer_ended.v1"

    case_id: str
    offer_id: str
    agent_id: str
    outcome: str
    reason: str | None = None
    ended_at: datetime


class CaseResolved(_Event):
    """The case was resolved: its agent (if any) is free of it; the router releases the capacity it held."""

    event_type = "case.resolved.v1"

    case_id: str
    case_reference: str | None = None
    agent_id: str | None = None
    resolved_at: datetime


class CaseClosed(_Event):
    """The case was closed (after resolution, or without one): nobody works on it any more."""

    event_type = "case.closed.v1"

    case_id: str
    case_reference: str | None = None
    agent_id: str | None = None
    reason: str | None = None
    closed_at: datetime


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class CaseSlaAtRisk(_Event):
    """A service-level target of the case is close to its due time and not yet met."""

    event_type = "case.sla_at_risk.v1"

    case_id: str
    target: SlaTarget
    due_at: datetime
    at: datetime


class CaseSlaBreached(_Event):
    """A service-level target of the case passed its due time unmet."""

    event_type = "case.sla_breached.v1"

    case_id: str
    target: SlaTarget
    due_at: datetime
    at: datetime


class CaseEscalated(_Event):
    """The router escalated the case to a supervisor (an SLA breach); `supervisor_id` should look at it."""

    event_type = "case.escalated.v1"

    case_id: str
    supervisor_id: str
    reason: str
    agent_id: str | None = None  # the agent holding the case, when it is assigned
    escalated_at: datetime


class CaseReopened(_Event):
    """A resolved case is open again (the customer wrote within the reopen window, an agent reopened it, or a low
    satisfaction score): the router routes it again, preferring `previous_agent_id`."""

    event_type = "case.reopened.v1"

    case_id: str
    case_reference: str
    customer_id: str
    channel: Channel
    category: str
    priority: Priority
    language: str | None = None
    previous_agent_id: str | None = None
    reason: str
    reopened_at: datetime
    markers: tuple[str, ...] = ()


class CaseReclassified(_Event):
    """An agent (or a rule) changed the case's category or priority."""

    event_type = "case.reclassified.v1"

    case_id: str
    category: str
    priority: Priority
    previous_category: str
    previous_priority: Priority
    by: str | None = None
    reclassified_at: datetime


class CaseEscalationRequested(_Event):
    """An agent escalated the case with a reason: the router hands it to the agent's supervisor
    (`case.escalated.v1`)."""

    event_type = "case.escalation_requested.v1"

    case_id: str
    reason: str
    agent_id: str | None = None
    requested_at: datetime


class CaseFollowUpDue(_Event):
    """The check-back after a resolution is due: `agent_id` should contact the customer (a survey went out too)."""

    event_type = "case.follow_up_due.v1"

    case_id: str
    case_reference: str
    follow_up_id: str
    agent_id: str | None = None
    due_at: datetime


class ProblemKind(StrEnum):
    CATEGORY = "category"
    ROOT_CAUSE = "root_cause"


class CaseProblemRecurring(_Event):
    """A category or root cause is rising across distinct customers beyond its recent baseline: stop the problem
    reaching more customers. Raised once per problem until a supervisor acknowledges it (key: the case that tipped
    it over)."""

    event_type = "case.problem_recurring.v1"

    alert_id: str
    kind: ProblemKind
    value: str
    customer_count: int
    baseline: float  # distinct customers per window, on average, over the baseline period
    window_minutes: float
    case_ids: tuple[str, ...]
    customer_ids: tuple[str, ...]
    raised_at: datetime


class OutboundPurpose(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    REPLY = "reply"
    SURVEY = "survey"


class OutboundMessageRequested(_Event):
    """A message to send to a customer on their channel; `outbound_id` is the sender's dedup key.

    `thread.message_id` is the Message-ID to give an email (so the customer's answer threads back), `in_reply_to` and
    `references` point at the customer's message; `from_address` is the address, number or page the customer wrote to.
    """

    event_type = "outbound.message.requested.v1"

    outbound_id: str
    case_id: str
    case_reference: str
    customer_id: str
    channel: Channel
    provider: str | None = None
    purpose: OutboundPurpose
    to: ContactAddress
    from_address: str | None = None
    subject: str | None = None
    text: str
    language: str | None = None
    thread: ThreadRefs = ThreadRefs()
    agent_id: str | None = None
    requested_at: datetime
    metadata: dict[str, Any] = Field(default_factory=dict)
    attachments: tuple[AttachmentMeta, ...] = ()  # files to send, each with its download_url


class DeliveryStatus(StrEnum):
    SENT = "sent"  # handed to the provider (or the SMTP relay accepted it)
    DELIVERED = "delivered"  # the provider confirmed delivery to the customer
    FAILED = "failed"  # the provider or a bounce reported it undeliverable
    SKIPPED = "skipped"  # not sent on purpose (e.g. the customer opted out on this channel)


class OutboundDeliveryReported(_Event):
    """What became of an outbound message, reported by the channel service that sent it (on complaints.inbound.v1,
    keyed by case id): the case records it on the message and, for a failure, on its timeline."""

    event_type = "outbound.delivery_reported.v1"

    outbound_id: str
    case_id: str
    channel: Channel
    provider: str
    status: DeliveryStatus
    provider_message_id: str | None = None
    error: str | None = None
    reported_at: datetime


class DeadLetterRecorded(_Event):
    """A record a consumer could not process, kept whole so it can be replayed to `source_topic`."""

    event_type = "deadletter.recorded.v1"

    source_topic: str
    partition: int
    offset: int
    consumer_group: str
    reason: str
    key: str | None = None
    value: str
    value_encoding: str = "utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    failed_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        """Everything but the record itself (`value`, `headers`: replayed byte for byte; the headers are stored as JSON,
        which holds any character) is cleaned. A `value` that no text column can hold (a NUL, a lone surrogate, other
        control characters) is kept exactly, as base64 of its UTF-8 bytes."""
        if not isinstance(data, dict):
            return data
        kept = {name: data[name] for name in _RECORD_FIELDS if name in data}
        cleaned = {**clean_strings({name: item for name, item in data.items() if name not in kept}), **kept}
        value = kept.get("value")
        if isinstance(value, str) and cleaned.get("value_encoding", "utf-8") == "utf-8" and clean_text(value) != value:
            raw = value.encode("utf-8", "surrogatepass")
            cleaned.update(value=base64.b64encode(raw).decode("ascii"), value_encoding="base64")
        return cleaned


_RECORD_FIELDS = ("value", "headers")


EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (
        ComplaintMessageReceived,
        ComplaintAttachmentsStored,
        CaseOpened,
        CaseMessageAdded,
        CaseAssigned,
        CaseOffered,
        CaseOfferEnded,
        CaseResolved,
        CaseClosed,
        CaseSlaAtRisk,
        CaseSlaBreached,
        CaseEscalated,
        CaseReopened,
        CaseReclassified,
        CaseEscalationRequested,
        CaseFollowUpDue,
        CaseProblemRecurring,
        OutboundMessageRequested,
        OutboundDeliveryReported,
        DeadLetterRecorded,
    )
}

E = TypeVar("E", bound=EventData)


def payload(event: CloudEvent) -> EventData:
    """The typed payload of `event`. Raises UnknownEventType, or ValidationError when the data is invalid."""
    model = EVENT_TYPES.get(event.type)
    if model is None:
        raise UnknownEventType(event.type)
    return model.model_validate(event.data)


def payload_as(event: CloudEvent, model: type[E]) -> E:
    """The payload of `event` validated as `model`, for code that knows what it expects."""
    if event.type != model.event_type:
        raise UnknownEventType(f"expected {model.event_type}, got {event.type}")
    return model.model_validate(event.data)
