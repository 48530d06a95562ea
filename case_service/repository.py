"""Queries and writes on case_service's tables; every call takes the caller's `AsyncSession` and keyword arguments.

The inbound path asks a few indexed questions per message: is it a duplicate, who owns its identifiers, which cases
its headers, conversation and references point at, and which of the customer's cases on the channel may take it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.domain import ACTIVE_STATUSES, CaseStatus, ContactKey
from case_service.identity import match_key
from case_service.models import Case, CaseReferenceCounter, ContactPoint, Customer, Message, Survey, TimelineEntry
from case_service.threads import KnownCase
from shared.events import AddressKind, Channel, ContactAddress


def new_id() -> str:
    return str(uuid.uuid4())


async def message_exists(session: AsyncSession, *, channel: Channel, provider_message_id: str) -> bool:
    found = await session.execute(
        select(Message.id).where(Message.channel == channel.value, Message.provider_message_id == provider_message_id)
    )
    return found.first() is not None


async def contact_owners(session: AsyncSession, *, keys: Iterable[ContactKey]) -> dict[ContactKey, str]:
    """Which customer owns each of `keys` (kind, address); keys nobody owns are absent."""
    wanted = list(keys)
    if not wanted:
        return {}
    matches = or_(*(and_(ContactPoint.kind == kind.value, ContactPoint.address == address) for kind, address in wanted))
    rows = await session.execute(
        select(ContactPoint.kind, ContactPoint.address, ContactPoint.customer_id).where(matches)
    )
    owners = {(row.kind, row.address): row.customer_id for row in rows}
    return {key: owners[(key[0].value, key[1])] for key in wanted if (key[0].value, key[1]) in owners}


async def survivors_of(session: AsyncSession, *, customer_ids: Collection[str]) -> dict[str, Customer]:
    """customer id -> the customer it ends up as, following `merged_into_id` (itself when not merged)."""
    loaded: dict[str, Customer] = {}
    pending = set(customer_ids)
    for _ in range(_MAX_MERGE_DEPTH):
        if not pending:
            break
        rows = await session.execute(select(Customer).where(Customer.id.in_(pending)))
        loaded.update({customer.id: customer for customer in rows.scalars()})
        pending = {
            customer.merged_into_id
            for customer in loaded.values()
            if customer.merged_into_id is not None and customer.merged_into_id not in loaded
        }
    survivors: dict[str, Customer] = {}
    for customer_id in customer_ids:
        customer = loaded[customer_id]
        for _ in range(_MAX_MERGE_DEPTH):
            if customer.merged_into_id is None or customer.merged_into_id not in loaded:
                break
            customer = loaded[customer.merged_into_id]
        survivors[customer_id] = customer
    return survivors


# A chain of merges longer than this is a loop someone made by hand; stop following it there.
_MAX_MERGE_DEPTH = 10


async def add_customer(
    session: AsyncSession, *, display_name: str | None, name_key: str | None, language: str | None, now: datetime
) -> Customer:
    customer = Customer(
        id=new_id(),
        display_name=display_name,
        name_key=name_key,
        language=language,
        opted_out=False,
        merged_into_id=None,
        created_at=now,
    )
    session.add(customer)
    await session.flush()
    return customer


async def add_contact_point(
    session: AsyncSession, *, customer_id: str, contact: ContactAddress, now: datetime
) -> ContactPoint:
    point = ContactPoint(
        id=new_id(),
        customer_id=customer_id,
        kind=contact.kind.value,
        address=contact.address,
        raw=contact.raw,
        valid=contact.valid,
        match_key=match_key(contact.kind, contact.address),
        created_at=now,
    )
    session.add(point)
    await session.flush()
    return point


_KNOWN = (Case.id, Case.reference, Case.customer_id, Case.channel, Case.status, Case.updated_at, Case.resolved_at)


def _known(row: Any) -> KnownCase:
    """A row of `_KNOWN` columns as threading sees it."""
    return KnownCase(
        case_id=row.id,
        reference=row.reference,
        customer_id=row.customer_id,
        channel=Channel(row.channel),
        status=CaseStatus(row.status),
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
    )


async def cases_by_message_id_header(session: AsyncSession, *, headers: Collection[str]) -> dict[str, list[KnownCase]]:
    """Email Message-ID -> the cases holding a message with it (the customer's mails and our own, e.g. an
    acknowledgement)."""
    if not headers:
        return {}
    rows = await session.execute(
        select(Message.message_id_header, *_KNOWN)
        .join(Case, Case.id == Message.case_id)
        .where(Message.message_id_header.in_(list(headers)))
        .distinct()
    )
    found: dict[str, list[KnownCase]] = {}
    for row in rows:
        found.setdefault(row.message_id_header, []).append(_known(row))
    return found


# A chat conversation id lives as long as the chat: it may hold many finished cases. The newest few decide.
_CONVERSATION_CASES = 20


async def cases_of_conversation(session: AsyncSession, *, channel: Channel, conversation_id: str) -> list[KnownCase]:
    """The cases holding a message of the provider conversation on `channel`, most recently updated first."""
    holding = select(Message.case_id).where(
        Message.conversation_id == conversation_id, Message.channel == channel.value
    )
    rows = await session.execute(
        select(*_KNOWN).where(Case.id.in_(holding)).order_by(Case.updated_at.desc(), Case.id).limit(_CONVERSATION_CASES)
    )
    return [_known(row) for row in rows]


async def cases_by_reference(session: AsyncSession, *, references: Collection[str]) -> dict[str, KnownCase]:
    if not references:
        return {}
    rows = await session.execute(select(*_KNOWN).where(Case.reference.in_(list(references))))
    return {row.reference: _known(row) for row in rows}


async def threadable_cases(
    session: AsyncSession, *, customer_id: str, channel: Channel | None, resolved_since: datetime
) -> list[KnownCase]:
    """The customer's active cases on `channel` (None: on every channel) and those resolved since `resolved_since`
    (the reopen window)."""
    on_channel = Case.channel == channel.value if channel is not None else true()
    rows = await session.execute(
        select(*_KNOWN).where(
            Case.customer_id == customer_id,
            on_channel,
            or_(
                Case.status.in_([status.value for status in ACTIVE_STATUSES]),
                and_(Case.status == CaseStatus.RESOLVED.value, Case.resolved_at >= resolved_since),
            ),
        )
    )
    return [_known(row) for row in rows]


async def latest_unclosed_case(session: AsyncSession, *, customer_id: str, channel: Channel) -> str | None:
    """The id of the customer's most recently updated case on `channel` that is not closed."""
    rows = await session.execute(
        select(Case.id)
        .where(
            Case.customer_id == customer_id,
            Case.channel == channel.value,
            Case.status.in_([status.value for status in (*ACTIVE_STATUSES, CaseStatus.RESOLVED)]),
        )
        .order_by(Case.updated_at.desc(), Case.id)
        .limit(1)
    )
    return rows.scalars().first()


async def open_survey(session: AsyncSession, *, customer_id: str, channel: Channel, now: datetime) -> Survey | None:
    """The newest survey sent to the customer on `channel` that is unanswered and still valid; found through the
    survey's case, so a survey sent before a merge still counts for the survivor."""
    rows = await session.execute(
        select(Survey)
        .join(Case, Case.id == Survey.case_id)
        .where(
            Case.customer_id == customer_id,
            Survey.channel == channel.value,
            Survey.answered_at.is_(None),
            Survey.expires_at > now,
        )
        .order_by(Survey.sent_at.desc(), Survey.token)
        .limit(1)
    )
    return rows.scalars().first()


async def timeline_entry_exists(session: AsyncSession, *, case_id: str, kind: str, at: datetime) -> bool:
    """Whether the case already has a `kind` entry at `at`: an event redelivered with a new envelope id is noticed."""
    rows = await session.execute(
        select(TimelineEntry.id)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == kind, TimelineEntry.at == at)
        .limit(1)
    )
    return rows.first() is not None


async def next_case_number(session: AsyncSession, *, year: int) -> int:
    """The next number of `year`, from one atomic upsert: concurrent openers never get the same number."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counter = CaseReferenceCounter
    statement = (
        insert(counter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(index_elements=[counter.year], set_={"last_number": counter.last_number + 1})
        .returning(counter.last_number)
    )
    return int((await session.execute(statement)).scalar_one())


async def add_case(session: AsyncSession, *, case: Case) -> Case:
    session.add(case)
    await session.flush()
    return case


async def case_for_update(session: AsyncSession, *, case_id: str) -> Case | None:
    """The case, row-locked on PostgreSQL so concurrent appends and assignments change it one at a time."""
    return await session.get(Case, case_id, with_for_update=True, populate_existing=True)


async def add_message(session: AsyncSession, *, message: Message) -> Message:
    session.add(message)
    await session.flush()
    return message


async def messages_of(session: AsyncSession, *, case_id: str) -> Sequence[Message]:
    """Oldest first, as the customer sent them; arrival order breaks ties."""
    rows = await session.execute(
        select(Message).where(Message.case_id == case_id).order_by(Message.received_at, Message.created_at, Message.id)
    )
    return rows.scalars().all()


async def contact_point(session: AsyncSession, *, kind: AddressKind, address: str) -> ContactPoint | None:
    """The contact point `(kind, address)` (already normalized), whoever owns it."""
    rows = await session.execute(
        select(ContactPoint).where(ContactPoint.kind == kind.value, ContactPoint.address == address)
    )
    return rows.scalars().first()
