"""The automatic acknowledgement of a new case, in the customer's language and through the channel they used, with the
case reference; never to a robot, a customer who opted out, or for a phone note. A skipped one says why on the
timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import outbound, threads, wording
from case_service.models import Case, Customer, Message
from case_service.policy import CasePolicy
from shared.cloudevents import CloudEvent
from shared.events import Channel, OutboundPurpose

# How the templates greet a customer whose name we do not know.
_NAMELESS = {"vi": "quý khách", "en": "there"}
# The subject placeholder of a message without one: the start of its text.
_EXCERPT_CHARS = 60


def skip_reason(*, case: Case, customer: Customer, message: Message) -> str | None:
    """Why the new case gets no acknowledgement, or None when it gets one."""
    if case.channel == Channel.PHONE.value:
        return "phone note: the customer called, there is no message to answer"
    if wording.is_automated_sender(address=message.sender_address, auto_submitted=message.auto_submitted):
        return "automated sender (auto-submitted or a no-reply address): answering could loop"
    if customer.opted_out:
        return "the customer opted out of messages"
    failure = threads.authentication_failure(message.metadata_ or {})
    if failure is not None:
        return f"{failure}: the acknowledgement would go to an address that may never have written"
    return None


def acknowledgement_text(*, case: Case, customer: Customer, message: Message, policy: CasePolicy) -> str:
    """The template of the case's language (English when it has none) filled in."""
    language = case.language if case.language and case.language in policy.acknowledgements else "en"
    template = policy.acknowledgements.get(language) or next(iter(policy.acknowledgements.values()))
    return wording.render(
        template,
        reference=case.reference,
        customer_name=customer.display_name or _NAMELESS.get(language, _NAMELESS["en"]),
        subject=_subject_of(case, message),
    )


async def acknowledge(
    session: AsyncSession,
    *,
    case: Case,
    customer: Customer,
    message: Message,
    policy: CasePolicy,
    now: datetime,
    cause: CloudEvent | None,
    tenant: str,
) -> Message | None:
    """Send the acknowledgement of the case `message` opened (stored and requested on outbound.messages.v1), or
    record on the timeline why not."""
    return await outbound.send_automatic(
        session,
        case=case,
        purpose=OutboundPurpose.ACKNOWLEDGEMENT,
        why_not=skip_reason(case=case, customer=customer, message=message),
        text=lambda: acknowledgement_text(case=case, customer=customer, message=message, policy=policy),
        now=now,
        language=case.language,
        skipped="acknowledgement_skipped",
        message_id=message.id,
        cause=cause,
        tenant=tenant,
    )


def _subject_of(case: Case, message: Message) -> str:
    """The case's subject, or for a message without one (chat, SMS) the start of its text."""
    if case.subject and case.subject.strip():
        return case.subject.strip()
    text = " ".join(message.text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1].rstrip() + "…"
