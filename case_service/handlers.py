"""Event handlers of case_service; each runs inside the consumer's transaction and emits through the outbox.

A customer's message, in order: dedup on the provider message id; identify the customer; place the message (the
answer to a pending survey, else by the threading rules); open a case (classified, SLA clocks, acknowledged) or
append to one (status, reopen); announce it. A redelivered message changes nothing at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import (
    acknowledge,
    alerts,
    csat,
    domain,
    identify,
    inbound,
    live,
    opening,
    repository,
    status_links,
    timeline,
    wording,
)
from case_service.classify import Classification
from case_service.consent import ConsentChange, consent_change
from case_service.deliveries import on_delivery_reported
from case_service.emit import emit
from case_service.fetched_media import on_attachments_stored
from case_service.lifecycle import CaseAction
from case_service.models import Case, ContactPoint, Customer
from case_service.policy import CasePolicy, policy_from
from case_service.settings import CaseServiceSettings
from case_service.transitions import change_status
from shared.cloudevents import CloudEvent
from shared.consumer import Handler
from shared.db import as_utc
from shared.events import (
    CaseAssigned,
    CaseEscalated,
    CaseMessageAdded,
    ComplaintAttachmentsStored,
    ComplaintMessageReceived,
    ContactAddress,
    OutboundDeliveryReported,
    ProblemKind,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class _Arrival:
    sender: ContactAddress
    identified: identify.Identified
    sender_point: ContactPoint | None
    consent: ConsentChange | None
    placement: inbound.Placement


class UnknownCase(LookupError):
    """An event names a case this service does not have: it cannot be applied (and goes to dead letters)."""


class CaseHandlers:
    """The handlers, bound to the settings and case policy they need; `clock` is for tests that control time."""

    def __init__(
        self, settings: CaseServiceSettings, policy: CasePolicy | None = None, *, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._policy = policy if policy is not None else policy_from(settings)
        self._clock: Clock = clock or (lambda: datetime.now(UTC))

    async def on_message_received(
        self, session: AsyncSession, event: CloudEvent, data: ComplaintMessageReceived
    ) -> None:
        """Dedup, identify the customer, place the message, open or append a case, acknowledge, announce."""
        if await repository.message_exists(session, channel=data.channel, provider_message_id=data.provider_message_id):
            log.info("message of event %s already stored; nothing to do", event.id)
            return
        now = self._clock()
        language = wording.detect_language(declared=data.language, text=data.text, subject=data.subject)
        arrival = await self._arrival(session, data, language=language, now=now)
        sender, identified, sender_point = arrival.sender, arrival.identified, arrival.sender_point
        customer, consent, placement = identified.customer, arrival.consent, arrival.placement
        case, classification = await self._case_of(
            session, data, placement, customer=customer, language=language, now=now
        )
        message = await repository.add_message(
            session,
            message=inbound.inbound_message(
                event, data, sender, case_id=case.id, language=language, placement=placement, now=now
            ),
        )
        inbound.record_arrival(
            session, case=case, message=message, placement=placement, classification=classification, now=now
        )
        live.message_added(session, case=case, message=message, author=live.CUSTOMER)
        inbound.record_conflicts(session, case=case, identified=identified, now=now, message_id=message.id)
        if consent is not None:
            inbound.apply_consent(
                session,
                point=sender_point,
                customer=customer,
                case=case,
                change=consent,
                now=now,
                message_id=message.id,
            )
        if classification is None:
            await self._customer_wrote(session, event, case=case, placement=placement, now=now)
        case.updated_at = now
        written = as_utc(data.received_at)
        if case.last_customer_message_at is None or as_utc(case.last_customer_message_at) < written:
            case.last_customer_message_at = written

        if classification is not None:
            await opening.announce_opened(session, case=case, message_id=message.id, cause=event, tenant=event.tenant)
            await alerts.detect(
                session,
                case=case,
                kind=ProblemKind.CATEGORY,
                rule=self._policy.recurring,
                now=now,
                cause=event,
                tenant=event.tenant,
            )
            await acknowledge.acknowledge(
                session,
                case=case,
                customer=customer,
                message=message,
                policy=self._policy,
                now=now,
                cause=event,
                tenant=event.tenant,
            )
            log.info("case %s opened (%s)", case.id, case.reference)
        else:
            added = CaseMessageAdded(
                case_id=case.id,
                case_reference=case.reference,
                customer_id=case.customer_id,
                message_id=message.id,
                channel=data.channel,
                added_at=now,
            )
            await emit(session, added, case_id=case.id, cause=event, tenant=event.tenant)
            log.info("message %s added to case %s (%s)", message.id, case.id, placement.rule)

    async def on_case_assigned(self, session: AsyncSession, event: CloudEvent, data: CaseAssigned) -> None:
        """Record who handles the case; an assigned new case is open. A redelivered or older assignment is ignored."""
        case = await repository.case_for_update(session, case_id=data.case_id)
        if case is None:
            raise UnknownCase(f"case {data.case_id} does not exist")
        if case.assignee_agent_id == data.agent_id and case.assigned_at is not None:
            if as_utc(case.assigned_at) == as_utc(data.assigned_at):
                log.info("assignment in event %s is already recorded", event.id)
                return
        if not domain.assignment_is_newer(case.assigned_at, data.assigned_at):
            log.info("assignment in event %s is older than the recorded one; ignored", event.id)
            return
        now = self._clock()
        previous = case.assignee_agent_id
        case.assignee_agent_id = data.agent_id
        case.assigned_at = data.assigned_at
        case.updated_at = now
        timeline.record(
            session,
            case_id=case.id,
            kind="assigned",
            actor=timeline.ROUTER,
            at=data.assigned_at,
            detail={"agent_id": data.agent_id, "previous_agent_id": previous, "assignment_id": data.assignment_id},
        )
        await change_status(
            session,
            case=case,
            action=CaseAction.ASSIGN,
            actor=timeline.ROUTER,
            policy=self._policy,
            now=now,
            reason=f"assigned to agent {data.agent_id}",
            cause=event,
            tenant=event.tenant,
        )
        live.case_updated(session, case=case)
        log.info("case %s assigned to agent %s", case.id, data.agent_id)

    async def on_case_escalated(self, session: AsyncSession, event: CloudEvent, data: CaseEscalated) -> None:
        """The router handed the case to a supervisor: mark it escalated, with the reason, on the timeline."""
        case = await repository.case_for_update(session, case_id=data.case_id)
        if case is None:
            raise UnknownCase(f"case {data.case_id} does not exist")
        if await repository.timeline_entry_exists(session, case_id=case.id, kind="escalated", at=data.escalated_at):
            log.info("escalation in event %s is already recorded", event.id)
            return
        case.escalated = True
        case.escalation_reason = data.reason
        case.updated_at = self._clock()
        timeline.record(
            session,
            case_id=case.id,
            kind="escalated",
            actor=timeline.ROUTER,
            at=data.escalated_at,
            detail={"supervisor_id": data.supervisor_id, "agent_id": data.agent_id, "reason": data.reason},
        )
        log.info("case %s escalated to supervisor %s", case.id, data.supervisor_id or "(none)")

    async def _arrival(
        self, session: AsyncSession, data: ComplaintMessageReceived, *, language: str, now: datetime
    ) -> _Arrival:
        """Who wrote the message and where it goes: a message from a status page is its link's customer's and goes
        to that link's case; any other is identified by its identifiers and placed by the threading rules."""
        linked = await status_links.place_linked(session, data, now=now, reopen_window=self._policy.reopen_window)
        if linked is not None:
            return _Arrival(
                sender=linked.sender,
                identified=identify.Identified(customer=linked.customer, created=False, conflicts=()),
                sender_point=None,
                consent=None,
                placement=inbound.Placement(linked.case_id, status_links.RULE, linked.reason),
            )
        sender = domain.sender_contact(data.sender, default_region=self._settings.default_region)
        identified = await identify.identify(
            session,
            data=data,
            sender=sender,
            language=language,
            default_region=self._settings.default_region,
            now=now,
        )
        sender_point = await repository.contact_point(session, kind=sender.kind, address=sender.address)
        # A phone note is staff's words about a call, not the customer's: a note reading "STOP" opts nobody out.
        consent = (
            None
            if inbound.is_phone_note(data)
            else consent_change(
                data.text,
                opted_out=sender_point is not None and sender_point.opted_out,
                signal=data.metadata.get("opt_out"),
            )
        )
        placement = await inbound.place(
            session,
            data,
            customer=identified.customer,
            consent=consent,
            now=now,
            reopen_window=self._policy.reopen_window,
        )
        return _Arrival(sender, identified, sender_point, consent, placement)

    def mapping(self) -> dict[str, Handler]:
        return {
            ComplaintMessageReceived.event_type: self.on_message_received,
            CaseAssigned.event_type: self.on_case_assigned,
            CaseEscalated.event_type: self.on_case_escalated,
            OutboundDeliveryReported.event_type: on_delivery_reported,
            ComplaintAttachmentsStored.event_type: on_attachments_stored,
        }

    async def _case_of(
        self,
        session: AsyncSession,
        data: ComplaintMessageReceived,
        placement: inbound.Placement,
        *,
        customer: Customer,
        language: str,
        now: datetime,
    ) -> tuple[Case, Classification | None]:
        """The placed case, locked; or a new one, with its classification (None for an existing case)."""
        if placement.case_id is None:
            return await opening.open_case(
                session,
                customer_id=customer.id,
                channel=data.channel,
                subject=data.subject,
                text=data.text,
                language=language,
                policy=self._policy,
                now=now,
                customer_wrote_at=as_utc(data.received_at),
            )
        case = await repository.case_for_update(session, case_id=placement.case_id)
        if case is None:  # it was found by the lookups a moment ago in this same transaction
            raise UnknownCase(f"case {placement.case_id} vanished")
        return case, None

    async def _customer_wrote(
        self, session: AsyncSession, event: CloudEvent, *, case: Case, placement: inbound.Placement, now: datetime
    ) -> None:
        """What a message does to the existing case it joined: a survey answer records the score (a low one
        reopens); a message takes the case up again (pending -> open, resolved within the window -> reopened)."""
        if placement.answer is not None and placement.survey is not None:
            score, comment = placement.answer
            await csat.record_answer(
                session,
                survey=placement.survey,
                score=score,
                comment=comment,
                via=csat.CHANNEL,
                now=now,
                policy=self._policy,
                cause=event,
                tenant=event.tenant,
            )
        elif not placement.keep_status:
            await change_status(
                session,
                case=case,
                action=CaseAction.CUSTOMER_MESSAGE,
                actor=timeline.customer(case.customer_id),
                policy=self._policy,
                now=now,
                reason=_why_status_moves(case),
                cause=event,
                tenant=event.tenant,
            )


def handlers_for(settings: CaseServiceSettings, policy: CasePolicy | None = None) -> Mapping[str, Handler]:
    """The {event type: handler} mapping the service's consumer dispatches on."""
    return CaseHandlers(settings, policy).mapping()


def _why_status_moves(case: Case) -> str:
    if case.status == domain.CaseStatus.RESOLVED.value:
        return "the customer wrote again within the reopen window"
    return "the customer wrote"
