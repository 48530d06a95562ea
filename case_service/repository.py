"""Queries and writes on case_service's tables; every call takes the caller's `AsyncSession` and keyword arguments."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.domain import ACTIVE_STATUSES, CaseSnapshot, CaseStatus, ContactKey
from case_service.models import Case, CaseReferenceCounter, ContactPoint, Customer, Message
from shared.events import Channel, ContactAddress


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


async def add_customer(session: AsyncSession, *, display_name: str | None, now: datetime) -> Customer:
    customer = Customer(id=new_id(), display_name=display_name, created_at=now)
    session.add(customer)
    await session.flush()
    return customer


async def fill_display_name(session: AsyncSession, *, customer_id: str, display_name: str | None) -> None:
    """Give a customer known only by address the name a later message carries; a known name is kept."""
    if not display_name:
        return
    customer = await session.get(Customer, customer_id)
    if customer is not None and not customer.display_name:
        customer.display_name = display_name


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
        created_at=now,
    )
    session.add(point)
    await session.flush()
    return point


async def active_cases(session: AsyncSession, *, customer_id: str, channel: Channel) -> list[CaseSnapshot]:
    rows = await session.execute(
        select(Case.id, Case.channel, Case.status, Case.updated_at).where(
            Case.customer_id == customer_id,
            Case.channel == channel.value,
            Case.status.in_([status.value for status in ACTIVE_STATUSES]),
        )
    )
    return [
        CaseSnapshot(
            case_id=row.id, channel=Channel(row.channel), status=CaseStatus(row.status), updated_at=row.updated_at
        )
        for row in rows
    ]


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


async def get_case(session: AsyncSession, *, case_id: str) -> Case | None:
    return await session.get(Case, case_id)


async def messages_of(session: AsyncSession, *, case_id: str) -> Sequence[Message]:
    """Oldest first, as the customer sent them; arrival order breaks ties."""
    rows = await session.execute(
        select(Message).where(Message.case_id == case_id).order_by(Message.received_at, Message.created_at, Message.id)
    )
    return rows.scalars().all()


async def get_customer(session: AsyncSession, *, customer_id: str) -> Customer | None:
    return await session.get(Customer, customer_id)


async def contact_points_of(session: AsyncSession, *, customer_id: str) -> Sequence[ContactPoint]:
    rows = await session.execute(
        select(ContactPoint).where(ContactPoint.customer_id == customer_id).order_by(ContactPoint.created_at)
    )
    return rows.scalars().all()


async def customers_owning(session: AsyncSession, *, keys: Iterable[ContactKey]) -> set[str]:
    return set((await contact_owners(session, keys=keys)).values())


def cases_query(*, customer_id: str | None, status: CaseStatus | None, limit: int) -> Select[Case]:
    """Cases newest first, optionally of one customer and in one status."""
    query = select(Case).order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    if status is not None:
        query = query.where(Case.status == status.value)
    return query


async def list_cases(
    session: AsyncSession, *, customer_id: str | None = None, status: CaseStatus | None = None, limit: int = 50
) -> Sequence[Case]:
    return (await session.execute(cases_query(customer_id=customer_id, status=status, limit=limit))).scalars().all()
