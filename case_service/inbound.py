"""A customer's message on its way in: where it goes (a survey answer, a consent keyword, or the threading rules),
the stored message, and what its arrival leaves on the case timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import csat, opening, repository, thread_lookup, timeline, wording
from case_service.classify import Classification
from case_service.consent import ConsentChange
from case_service.identify import Identified
from case_service.models import Case, ContactPoint, Customer, Message, Survey
from case_service.outbound import INBOUND
from shared.cloudevents import CloudEvent
from shared.events import Channel, ComplaintMessageReceived, ContactAddress
from shared.filenames import safe_filename
from shared.html import sanitize_html

SURVEY_ANSWER = "survey_answer"
CONSENT_KEYWORD = "consent_keyword"


@dataclass(frozen=True)
class Placement:
    """Where a message goes and why; `keep_status` leaves the case's status alone (a survey answer or a consent
    keyword is not the customer taking the complaint up again)."""

    case_id: str | None  # None: a new case
    rule: str
    reason: str
    survey: Survey | None = None  # the survey the message answers, with the score and comment read from it
    answer: tuple[int, str | None] | None = None
    keep_status: bool = False
    refused: str | None = None  # why the message did not join the case its reference named (threads.choose_case)
    refused_case_ids: tuple[str, ...] = ()


async def place(
    session: AsyncSession,
    data: ComplaintMessageReceived,
    *,
    customer: Customer,
    consent: ConsentChange | None,
    now: datetime,
    reopen_window: timedelta,
) -> Placement:
    """The answer to a survey still waiting on this channel goes to its case; a consent keyword goes where the
    conversation is without reopening anything; everything else by the threading rules."""
    # Only the customer answers: never a note staff wrote about a call, nor a mail whose sender failed
    # authentication. The score is read first (linear, the first 2 000 characters): a survey is looked up only for a
    # message that holds one, not for every message.
    answerable = consent is None and not is_phone_note(data) and csat.may_answer(data)
    answer = wording.parse_survey_answer(data.text) if answerable else None
    survey = None
    if answer is not None:
        survey = await repository.open_survey(session, customer_id=customer.id, channel=data.channel, now=now)
    if survey is not None and answer is not None:
        reason = f"An answer to the satisfaction survey sent on {survey.channel} at {survey.sent_at:%Y-%m-%d}"
        return Placement(survey.case_id, SURVEY_ANSWER, reason, survey=survey, answer=answer, keep_status=True)
    decision = await thread_lookup.decide(
        session, data=data, customer_id=customer.id, now=now, reopen_window=reopen_window
    )
    if consent is not None:
        # A keyword changes no status: it neither reopens a resolved case nor takes one off pending_customer.
        target = decision.case_id or await repository.latest_unclosed_case(
            session, customer_id=customer.id, channel=data.channel
        )
        if target is not None:
            reason = (
                f"A request to {'stop' if consent is ConsentChange.OPTED_OUT else 'resume'} messages: stored on "
                f"the customer's latest case on {data.channel.value} without reopening it or opening a new one"
            )
            return Placement(target, CONSENT_KEYWORD, reason, keep_status=True)
    return Placement(
        decision.case_id,
        decision.rule.value,
        decision.reason,
        refused=decision.refused,
        refused_case_ids=decision.refused_case_ids,
    )


def is_phone_note(data: ComplaintMessageReceived) -> bool:
    """A note staff (or a CTI system) wrote about a call, as ingest_sms sends it: not the customer's own words."""
    return data.channel is Channel.PHONE and isinstance(data.metadata.get("phone_note"), dict)


def record_arrival(
    session: AsyncSession,
    *,
    case: Case,
    message: Message,
    placement: Placement,
    classification: Classification | None,
    now: datetime,
) -> None:
    """The message on the timeline with the rule that placed it; a new case's classification with its evidence."""
    timeline.record(
        session,
        case_id=case.id,
        kind="message_threaded" if classification is None else "case_opened",
        actor=timeline.customer(case.customer_id),
        at=now,
        message_id=message.id,
        detail={"rule": placement.rule, "reason": placement.reason, "channel": message.channel},
    )
    if placement.refused is not None:
        timeline.record(
            session,
            case_id=case.id,
            kind="thread_refused",
            actor=timeline.SYSTEM,
            at=now,
            message_id=message.id,
            detail={"reason": placement.refused, "case_ids": list(placement.refused_case_ids)},
        )
    if classification is not None:
        opening.record_classification(session, case=case, classification=classification, now=now, message_id=message.id)


def record_conflicts(
    session: AsyncSession, *, case: Case, identified: Identified, now: datetime, message_id: str
) -> None:
    """Identifiers of this message owned by other customers: filed under the strongest, never merged silently."""
    if not identified.conflicts:
        return
    timeline.record(
        session,
        case_id=case.id,
        kind="identity_conflict",
        actor=timeline.SYSTEM,
        at=now,
        message_id=message_id,
        detail={
            "customer_id": identified.customer.id,
            "other_customer_ids": sorted({conflict.customer_id for conflict in identified.conflicts}),
            "identifiers": [
                {"kind": conflict.kind, "address": conflict.address, "customer_id": conflict.customer_id}
                for conflict in identified.conflicts
            ],
            "reason": "the message carries identifiers of different customers; filed under the strongest identifier "
            "(see the customer's duplicate suggestions to merge them)",
        },
    )


def apply_consent(
    session: AsyncSession,
    *,
    point: ContactPoint | None,
    customer: Customer,
    case: Case,
    change: ConsentChange,
    now: datetime,
    message_id: str,
) -> None:
    """An opt-out (or a later opt-in) takes effect at once for the address it came from (an SMS STOP stops SMS, not
    email); the case it arrived on says so. The customer-wide opt-out is an agent's decision (PATCH)."""
    was = point is not None and point.opted_out
    if point is not None:
        point.opted_out = change is ConsentChange.OPTED_OUT
        point.opted_out_at = now if point.opted_out else None
    timeline.record(
        session,
        case_id=case.id,
        kind=change.value,
        actor=timeline.customer(customer.id),
        at=now,
        message_id=message_id,
        detail={
            "customer_id": customer.id,
            "address": {"kind": point.kind, "address": point.address} if point is not None else None,
            "was_opted_out": was,
        },
    )


def inbound_message(
    event: CloudEvent,
    data: ComplaintMessageReceived,
    sender: ContactAddress,
    *,
    case_id: str,
    language: str,
    placement: Placement,
    now: datetime,
) -> Message:
    """The customer's message as stored: the normalized sender, and why it is in its case. A survey link quoted in
    it is stored without its token (agents read the message; the token answers the survey)."""
    metadata = dict(data.metadata)
    if isinstance(metadata.get("full_text"), str):
        metadata["full_text"] = csat.without_survey_tokens(metadata["full_text"])
    return Message(
        id=repository.new_id(),
        case_id=case_id,
        channel=data.channel.value,
        provider=data.provider,
        provider_message_id=data.provider_message_id,
        direction=INBOUND,
        sender_kind=sender.kind.value,
        sender_address=sender.address,
        sender_display_name=data.sender.display_name,
        recipient=data.recipient,
        subject=data.subject,
        text=csat.without_survey_tokens(data.text),
        # Whoever sent the event, only inert markup is kept.
        html=csat.without_survey_tokens(sanitize_html(data.html).html) if data.html else None,
        language=language,
        auto_submitted=data.auto_submitted,
        received_at=data.received_at,
        created_at=now,
        inbound_event_id=event.id,
        thread=data.thread.model_dump(mode="json"),
        attachments=[
            {**attachment.model_dump(mode="json"), "filename": safe_filename(attachment.filename)}
            for attachment in data.attachments
        ],
        metadata_=metadata,
        purpose=None,
        author_agent_id=None,
        message_id_header=thread_lookup.normalized_message_id(data.thread.message_id),
        conversation_id=data.thread.conversation_id,
        thread_rule=placement.rule,
        thread_reason=placement.reason,
    )
