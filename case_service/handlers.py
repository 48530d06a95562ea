"""Event handlers of case_service; each runs inside the consumer's transaction and emits through the outbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import domain, repository
from case_service.models import Case, Message, outbox
from case_service.settings import SERVICE_NAME, CaseServiceSettings
from shared import topics
from shared.cloudevents import CloudEvent, EventData, new_event
from shared.consumer import Handler
from shared.events import CaseAssigned, CaseMessageAdded, CaseOpened, ComplaintMessageReceived, ContactAddress
from shared.outbox import enqueue

log = logging.getLogger(__name__)


class UnknownCase(LookupError):
    """An event names a case this service does not have: it cannot be applied (and goes to dead letters)."""


class CaseHandlers:
    """The handlers, bound to the settings they need (phone region, a new case's category and priority)."""

    def __init__(self, settings: CaseServiceSettings) -> None:
        self._settings = settings

    async def on_message_received(
        self, session: AsyncSession, event: CloudEvent, data: ComplaintMessageReceived
    ) -> None:
        """Dedup, identify the customer, open or append a case, store the message, announce it."""
        if await repository.message_exists(session, channel=data.channel, provider_message_id=data.provider_message_id):
            log.info("message of event %s already stored; nothing to do", event.id)
            return
        now = datetime.now(UTC)
        sender = domain.sender_contact(data.sender, default_region=self._settings.default_region)
        customer_id = await self._identify_customer(session, data, sender, now=now)
        appended_to = domain.case_to_append_to(
            await repository.active_cases(session, customer_id=customer_id, channel=data.channel),
            channel=data.channel,
        )
        if appended_to is None:
            case = await self._open_case(session, data, customer_id=customer_id, now=now)
        else:
            case = await self._touch_case(session, case_id=appended_to, now=now)
        message = await repository.add_message(session, message=_message(event, data, sender, case_id=case.id, now=now))
        announcement: EventData
        if appended_to is None:
            announcement = CaseOpened(
                case_id=case.id,
                case_reference=case.reference,
                customer_id=customer_id,
                channel=data.channel,
                category=case.category,
                priority=self._settings.default_priority,
                language=case.language,
                subject=case.subject,
                message_id=message.id,
                opened_at=case.opened_at,
            )
            log.info("case %s opened (%s)", case.id, case.reference)
        else:
            announcement = CaseMessageAdded(
                case_id=case.id,
                case_reference=case.reference,
                customer_id=customer_id,
                message_id=message.id,
                channel=data.channel,
                added_at=now,
            )
            log.info("message %s added to case %s", message.id, case.id)
        await _emit(session, announcement, case_id=case.id, cause=event)

    async def on_case_assigned(self, session: AsyncSession, event: CloudEvent, data: CaseAssigned) -> None:
        """Record who handles the case; an assigned new case is open."""
        case = await repository.case_for_update(session, case_id=data.case_id)
        if case is None:
            raise UnknownCase(f"case {data.case_id} does not exist")
        if not domain.assignment_is_newer(case.assigned_at, data.assigned_at):
            log.info("assignment in event %s is older than the recorded one; ignored", event.id)
            return
        case.assignee_agent_id = data.agent_id
        case.assigned_at = data.assigned_at
        case.status = domain.status_after_assignment(domain.CaseStatus(case.status)).value
        case.updated_at = datetime.now(UTC)
        log.info("case %s assigned to agent %s", case.id, data.agent_id)

    def mapping(self) -> dict[str, Handler]:
        return {
            ComplaintMessageReceived.event_type: self.on_message_received,
            CaseAssigned.event_type: self.on_case_assigned,
        }

    async def _identify_customer(
        self, session: AsyncSession, data: ComplaintMessageReceived, sender: ContactAddress, *, now: datetime
    ) -> str:
        """The customer owning any of the message's identifiers (a new one if none); unowned ones become theirs."""
        identifiers = domain.message_identifiers(sender, data.customer_ref)
        owners = await repository.contact_owners(session, keys=[domain.contact_key(c) for c in identifiers])
        customer_id = domain.owning_customer(identifiers, owners)
        if customer_id is None:
            customer_id = (await repository.add_customer(session, display_name=data.sender.display_name, now=now)).id
        else:
            await repository.fill_display_name(session, customer_id=customer_id, display_name=data.sender.display_name)
        for contact in domain.identifiers_to_link(identifiers, owners):
            await repository.add_contact_point(session, customer_id=customer_id, contact=contact, now=now)
        return customer_id

    async def _open_case(
        self, session: AsyncSession, data: ComplaintMessageReceived, *, customer_id: str, now: datetime
    ) -> Case:
        year = domain.reference_year(now)
        number = await repository.next_case_number(session, year=year)
        case = Case(
            id=repository.new_id(),
            reference=domain.format_reference(year, number),
            customer_id=customer_id,
            channel=data.channel.value,
            status=domain.CaseStatus.NEW.value,
            category=self._settings.default_category,
            priority=self._settings.default_priority.value,
            language=data.language,
            subject=data.subject,
            assignee_agent_id=None,
            assigned_at=None,
            opened_at=now,
            updated_at=now,
        )
        return await repository.add_case(session, case=case)

    async def _touch_case(self, session: AsyncSession, *, case_id: str, now: datetime) -> Case:
        case = await repository.case_for_update(session, case_id=case_id)
        if case is None:  # it was listed as active a moment ago in this same transaction
            raise UnknownCase(f"case {case_id} vanished")
        case.status = domain.status_after_inbound(domain.CaseStatus(case.status)).value
        case.updated_at = now
        return case


def handlers_for(settings: CaseServiceSettings) -> Mapping[str, Handler]:
    """The {event type: handler} mapping the service's consumer dispatches on."""
    return CaseHandlers(settings).mapping()


def _message(
    event: CloudEvent, data: ComplaintMessageReceived, sender: ContactAddress, *, case_id: str, now: datetime
) -> Message:
    return Message(
        id=repository.new_id(),
        case_id=case_id,
        channel=data.channel.value,
        provider=data.provider,
        provider_message_id=data.provider_message_id,
        direction="inbound",
        sender_kind=sender.kind.value,
        sender_address=sender.address,
        sender_display_name=data.sender.display_name,
        recipient=data.recipient,
        subject=data.subject,
        text=data.text,
        html=data.html,
        language=data.language,
        auto_submitted=data.auto_submitted,
        received_at=data.received_at,
        created_at=now,
        inbound_event_id=event.id,
        thread=data.thread.model_dump(mode="json"),
        attachments=[attachment.model_dump(mode="json") for attachment in data.attachments],
        metadata_=data.metadata,
    )


async def _emit(session: AsyncSession, data: EventData, *, case_id: str, cause: CloudEvent) -> None:
    """Write the event to the outbox in this transaction, keyed and correlated as the architecture requires."""
    envelope = new_event(
        data,
        source=SERVICE_NAME,
        subject=case_id,
        correlation_id=cause.correlationid or cause.id,
        tenant=cause.tenant,
        traceparent=cause.traceparent,
    )
    await enqueue(session, outbox, topic=topics.CASES_EVENTS, key=case_id, event=envelope)
