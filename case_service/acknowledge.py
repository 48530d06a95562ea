"""The automatic acknowledgement of a new case, in the customer's language and through the channel they used, with the
case reference; never to a robot, a customer who opted out, or for a phone note. A skipped one says why on the
timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import outbound, status_links, threads, wording
from case_service.models import Case, Customer, Message
from case_service.policy import CasePolicy
from shared.cloudevents import CloudEvent
from shared.events import Channel, OutboundPurpose

# How the templates greet a customer whose name we do not know.
_NAMELESS = {"vi": "quý khách", "en": "there"}
# The closing line of an acknowledgement that links to the case's status page ({status_url}).
STATUS_LINE = {
    "vi": "Bạn có thể theo dõi hồ sơ và nhắn thêm cho chúng tôi tại: {status_url}",
    "en": "You can follow your case and write to us at: {status_url}",
}
# What the case keeps where the status link was: agents read the case, the link's token is the customer's.
WITHHELD_STATUS_LINK = "[status link]"
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


def acknowledgement_text(
    *, case: Case, customer: Customer, message: Message, policy: CasePolicy, status_url: str | None = None
) -> str:
    """The template of the case's language (English when it has none) filled in. With a `status_url`, a template
    without a `{status_url}` placeholder gets a closing line with the link."""
    language = case.language if case.language and case.language in policy.acknowledgements else "en"
    template = policy.acknowledgements.get(language) or next(iter(policy.acknowledgements.values()))
    if status_url is not None and "{status_url}" not in template:
        template = f"{template}\n\n{STATUS_LINE.get(language, STATUS_LINE['en'])}"
    return wording.render(
        template,
        reference=case.reference,
        customer_name=customer.display_name or _NAMELESS.get(language, _NAMELESS["en"]),
        subject=_subject_of(case, message),
        status_url=status_url or "",
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
    record on the timeline why not. On the channels that carry one it links to the case's status page: only the
    channel gets the link (its token is the customer's credential), the case keeps `[status link]` in its place."""
    why_not = skip_reason(case=case, customer=customer, message=message)
    token = None
    if why_not is None:
        token = await status_links.for_acknowledgement(session, case=case, policy=policy.status_links, now=now)

    def text(status_url: str | None) -> str:
        return acknowledgement_text(case=case, customer=customer, message=message, policy=policy, status_url=status_url)

    return await outbound.send_automatic(
        session,
        case=case,
        purpose=OutboundPurpose.ACKNOWLEDGEMENT,
        why_not=why_not,
        text=lambda: text(WITHHELD_STATUS_LINK if token is not None else None),
        delivered=(lambda: text(policy.status_url(token))) if token is not None else None,
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
