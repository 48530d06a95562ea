"""Reading customers: the 360° view (contact points, every case and message across channels, CSAT, counts), search by
name or address, and the likely duplicates of a customer with the evidence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import identity
from case_service.domain import ACTIVE_STATUSES, contact_candidates
from case_service.folding import fold
from case_service.models import Case, ContactPoint, Customer, Message, Survey
from case_service.outbound import INBOUND
from shared.contacts import guess_kind, normalize_phone
from shared.events import AddressKind

MESSAGES_CAP = 500
SEARCH_LIMIT = 50
# A very common name would otherwise pull in half the customer base; the rest still show up by their contacts.
SAME_NAME_CANDIDATES = 200
_ACTIVE = [status.value for status in ACTIVE_STATUSES]
# At the same instant the customer's message comes before our answer to it (the acknowledgement is stamped with the
# time the message was processed).
_ANSWER_FIRST = case((Message.direction == INBOUND, 0), else_=1)


async def visible_to_agent(session: AsyncSession, *, customer_id: str, agent_id: str) -> bool:
    """An agent may read a customer one of whose cases is assigned to them."""
    query = select(exists().where(Case.customer_id == customer_id, Case.assignee_agent_id == agent_id))
    return bool((await session.execute(query)).scalar())


async def customer_view(session: AsyncSession, *, customer: Customer, agent_id: str | None = None) -> dict[str, Any]:
    """Everything about one customer, as `schemas.customers.CustomerDetail` shows it. For an agent (`agent_id`), only
    what belongs to the cases assigned to them: agents see and act on their own cases only."""
    visible = _visible_cases(customer.id, agent_id)
    points = await _contact_points(session, customer_ids=[customer.id])
    cases = (
        (await session.execute(select(Case).where(visible).order_by(Case.opened_at.desc(), Case.id.desc())))
        .scalars()
        .all()
    )
    messages, truncated = await _messages(session, visible=visible)
    first_contact, last_contact = (
        await session.execute(
            select(func.min(Message.received_at), func.max(Message.received_at))
            .join(Case, Case.id == Message.case_id)
            .where(visible, Message.direction == INBOUND)
        )
    ).one()
    return {
        **_fields(customer),
        "contact_points": points.get(customer.id, []),
        "cases": cases,
        "messages": messages,
        "messages_truncated": truncated,
        "csat_history": await _csat_history(session, visible=visible),
        "open_cases": sum(1 for item in cases if item.status in _ACTIVE),
        "complaint_count": len(cases),
        "first_contact_at": first_contact,
        "last_contact_at": last_contact,
    }


def _visible_cases(customer_id: str, agent_id: str | None) -> ColumnElement[bool]:
    mine = Case.customer_id == customer_id
    return and_(mine, Case.assignee_agent_id == agent_id) if agent_id is not None else mine


async def _messages(session: AsyncSession, *, visible: ColumnElement[bool]) -> tuple[list[dict[str, Any]], bool]:
    """The customer's newest messages over all their cases, oldest first; True when older ones were left out."""
    rows = (
        await session.execute(
            select(Message, Case.reference)
            .join(Case, Case.id == Message.case_id)
            .where(visible)
            .order_by(Message.received_at.desc(), Message.created_at.desc(), _ANSWER_FIRST.desc(), Message.id.desc())
            .limit(MESSAGES_CAP + 1)
        )
    ).all()
    truncated = len(rows) > MESSAGES_CAP
    newest = list(reversed(rows[:MESSAGES_CAP]))
    return [
        {
            "id": message.id,
            "case_id": message.case_id,
            "case_reference": reference,
            "direction": message.direction,
            "purpose": message.purpose,
            "channel": message.channel,
            "sender_address": message.sender_address,
            "subject": message.subject,
            "text": message.text,
            "received_at": message.received_at,
        }
        for message, reference in newest
    ], truncated


async def _csat_history(session: AsyncSession, *, visible: ColumnElement[bool]) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Survey.case_id, Case.reference, Survey.score, Survey.comment, Survey.answered_at)
        .join(Case, Case.id == Survey.case_id)
        .where(visible, Survey.answered_at.is_not(None))
        .order_by(Survey.answered_at)
    )
    return [
        {
            "case_id": row.case_id,
            "reference": row.reference,
            "score": row.score,
            "comment": row.comment,
            "answered_at": row.answered_at,
        }
        for row in rows
    ]


async def search(session: AsyncSession, *, text: str, agent_id: str | None = None) -> list[dict[str, Any]]:
    """Customers whose folded name holds every word of `text` (any order, any accents), or one of whose addresses
    (or match keys) holds it; live customers before merged ones. An agent finds only customers of their cases."""
    address_terms = _address_terms(text)
    by_address = select(ContactPoint.customer_id).where(
        or_(
            *(func.lower(ContactPoint.address).contains(term, autoescape=True) for term in address_terms),
            *(ContactPoint.match_key.contains(term, autoescape=True) for term in address_terms),
        )
    )
    words = fold(text).split()
    by_name: ColumnElement[bool] = (
        and_(*(Customer.name_key.contains(word, autoescape=True) for word in words)) if words else false()
    )
    query = select(Customer).where(or_(by_name, Customer.id.in_(by_address)))
    if agent_id is not None:
        query = query.where(Customer.id.in_(select(Case.customer_id).where(Case.assignee_agent_id == agent_id)))
    query = query.order_by(Customer.merged_into_id.is_not(None), Customer.display_name, Customer.id).limit(SEARCH_LIMIT)
    customers = (await session.execute(query)).scalars().all()
    return await summaries(session, customers=customers)


def _address_terms(text: str) -> list[str]:
    """What an address containing `text` may hold: the text lower-cased, a typed phone number also in E.164 and
    without its leading zeros (`0912 345` is inside `+84912345...`), an email also in its canonical form."""
    value = text.strip().lower()
    terms = {value}
    if guess_kind(value) is AddressKind.PHONE:
        phone = normalize_phone(value)
        if phone.valid:
            terms.add(phone.address)
        digits = "".join(ch for ch in value if ch.isdigit()).lstrip("0")
        if len(digits) >= 4:
            terms.add(digits)
    elif "@" in value:
        terms.add(identity.match_key(AddressKind.EMAIL, value).removeprefix("mail:"))
    return sorted(term for term in terms if term)


async def summaries(session: AsyncSession, *, customers: Sequence[Customer]) -> list[dict[str, Any]]:
    """Customers with their contact points and case counts, as `schemas.customers.CustomerSummary` shows them."""
    ids = [customer.id for customer in customers]
    points = await _contact_points(session, customer_ids=ids)
    counts: dict[str, tuple[int, int]] = {}
    if ids:
        rows = await session.execute(
            select(
                Case.customer_id,
                func.count(),
                func.sum(case((Case.status.in_(_ACTIVE), 1), else_=0)),
            )
            .where(Case.customer_id.in_(ids))
            .group_by(Case.customer_id)
        )
        counts = {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
    return [
        {
            **_fields(customer),
            "contact_points": points.get(customer.id, []),
            "complaint_count": counts.get(customer.id, (0, 0))[0],
            "open_cases": counts.get(customer.id, (0, 0))[1],
        }
        for customer in customers
    ]


async def duplicates_of(
    session: AsyncSession, *, customer: Customer
) -> list[tuple[Customer, tuple[identity.Evidence, ...]]]:
    """Likely duplicates of `customer`, strongest evidence first. Candidates come from indexed lookups only: a
    contact point with one of the customer's match keys (or the very same address as another kind), or the same
    folded name; customers already merged into another are left out. Nothing is merged."""
    points = (await _contact_points(session, customer_ids=[customer.id])).get(customer.id, [])
    keys = {identity.match_key(AddressKind(point.kind), point.address) for point in points}
    addresses = {point.address for point in points}
    candidate_ids: set[str] = set()
    if points:
        rows = await session.execute(
            select(ContactPoint.customer_id)
            .where(
                or_(ContactPoint.match_key.in_(keys), ContactPoint.address.in_(addresses)),
                ContactPoint.customer_id != customer.id,
            )
            .distinct()
        )
        candidate_ids.update(rows.scalars())
    name = customer.name_key or identity.name_key(customer.display_name)
    if name is not None:
        rows = await session.execute(
            select(Customer.id)
            .where(Customer.name_key == name, Customer.id != customer.id, Customer.merged_into_id.is_(None))
            .limit(SAME_NAME_CANDIDATES)
        )
        candidate_ids.update(rows.scalars())
    if not candidate_ids:
        return []
    candidates = (
        (
            await session.execute(
                select(Customer)
                .where(Customer.id.in_(candidate_ids), Customer.merged_into_id.is_(None))
                .order_by(Customer.created_at, Customer.id)
            )
        )
        .scalars()
        .all()
    )
    their_points = await _contact_points(session, customer_ids=[other.id for other in candidates])
    by_id = {other.id: other for other in candidates}
    suggestions = identity.suggest_duplicates(
        _facts(customer, points), [_facts(other, their_points.get(other.id, [])) for other in candidates]
    )
    return [(by_id[facts.customer_id], evidence) for facts, evidence in suggestions]


def _facts(customer: Customer, points: Iterable[ContactPoint]) -> identity.CustomerFacts:
    return identity.CustomerFacts(
        customer_id=customer.id,
        display_name=customer.display_name,
        contacts=tuple(identity.ContactFacts(kind=AddressKind(point.kind), address=point.address) for point in points),
    )


async def _contact_points(session: AsyncSession, *, customer_ids: Sequence[str]) -> dict[str, list[ContactPoint]]:
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(ContactPoint)
        .where(ContactPoint.customer_id.in_(customer_ids))
        .order_by(ContactPoint.created_at, ContactPoint.id)
    )
    found: dict[str, list[ContactPoint]] = {}
    for point in rows.scalars():
        found.setdefault(point.customer_id, []).append(point)
    return found


def _fields(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "display_name": customer.display_name,
        "language": customer.language,
        "opted_out": bool(customer.opted_out),
        "merged_into": customer.merged_into_id,
        "created_at": customer.created_at,
    }


async def owners_of_contact(
    session: AsyncSession, *, contact: str, kind: AddressKind | None, default_region: str
) -> list[str]:
    """The customers owning `contact` (normalized first: email lower-cased, phone to E.164), sorted."""
    keys = contact_candidates(contact, kind=kind, default_region=default_region)
    matches = or_(*(and_(ContactPoint.kind == key.value, ContactPoint.address == address) for key, address in keys))
    rows = await session.execute(select(ContactPoint.customer_id).where(matches).distinct())
    return sorted(rows.scalars())
