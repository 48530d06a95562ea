"""Folding one customer into another (an agent's decision, never automatic) and undoing it exactly.

A merge moves the other customer's contact points and cases (and the surveys of those cases) to the survivor, marks
the other one `merged_into` the survivor, fills the survivor's missing name and language from it (an opt-out of
either one holds for both), and keeps an audit row with a snapshot of exactly what moved and both customers' fields
as they were. Undo moves exactly those contact points and cases back and restores both customers' fields from the
snapshot. Whatever arrived after the merge stays with the survivor: contact points the survivor gained later and
cases opened later, even from a moved contact point, are the survivor's (they were never the other customer's).

Merges into one survivor stack: a merge can only be undone while no later merge that depends on it is active (a
later merge into the same survivor, whose snapshot holds the survivor's fields after this one, or the survivor's own
later merge into a third customer, which took the moved records along). Undo the later one first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import identity, timeline
from case_service.models import Case, ContactPoint, Customer, CustomerMerge, Survey

# Customer fields a merge may change on the survivor and undo restores.
FIELDS = ("display_name", "name_key", "language", "opted_out")
# Bound parameters per IN list, well below every backend's limit.
_CHUNK = 500


class CustomerNotFound(LookupError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"There is no customer with id {customer_id}.")
        self.customer_id = customer_id


class MergeNotFound(LookupError):
    pass


class MergeConflict(Exception):
    """The merge or undo cannot be done as asked (answered 409); `kind` says why."""

    def __init__(self, kind: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra


def actor_name(actor: timeline.Actor) -> str:
    """Who merged or undid, as the audit row keeps it: `supervisor:alice`, or the role alone for the API key."""
    return f"{actor.kind}:{actor.id}" if actor.id else actor.kind


async def merge(
    session: AsyncSession, *, survivor_id: str, other_id: str, actor: timeline.Actor, now: datetime
) -> CustomerMerge:
    """Fold `other_id` into `survivor_id`; raises CustomerNotFound or MergeConflict."""
    if survivor_id == other_id:
        raise MergeConflict("merge-into-itself", "Cannot merge a customer into itself", "Pick another customer.")
    survivor, other = await _locked_pair(session, survivor_id, other_id)
    for customer in (survivor, other):
        if customer.merged_into_id is not None:
            raise MergeConflict(
                "customer-already-merged",
                "Customer already merged",
                f"Customer {customer.id} is merged into {customer.merged_into_id}; undo that merge or use the "
                "customer it was merged into.",
                customer_id=customer.id,
                merged_into=customer.merged_into_id,
            )
    point_ids = await _ids(session, select(ContactPoint.id).where(ContactPoint.customer_id == other.id))
    case_ids = await _ids(session, select(Case.id).where(Case.customer_id == other.id))
    snapshot = {
        "contact_point_ids": point_ids,
        "case_ids": case_ids,
        "survivor": _fields(survivor),
        "merged": _fields(other),
    }
    await _hand_over(session, point_ids=point_ids, case_ids=case_ids, to=survivor.id)
    display_name = survivor.display_name or other.display_name
    if display_name != survivor.display_name:
        survivor.display_name = display_name
        survivor.name_key = identity.name_key(display_name)
    survivor.language = survivor.language or other.language
    # A customer who asked us to stop writing keeps that wish under either record.
    survivor.opted_out = bool(survivor.opted_out or other.opted_out)
    other.merged_into_id = survivor.id
    record = CustomerMerge(
        id=str(uuid.uuid4()),
        survivor_id=survivor.id,
        merged_id=other.id,
        merged_at=now,
        merged_by=actor_name(actor),
        snapshot=snapshot,
    )
    session.add(record)
    _record_moved(
        session,
        case_ids=case_ids,
        kind="customer_merged",
        record=record,
        source=other,
        target=survivor,
        actor=actor,
        now=now,
    )
    await session.flush()
    return record


async def undo(
    session: AsyncSession, *, survivor_id: str, merge_id: str, actor: timeline.Actor, now: datetime
) -> CustomerMerge:
    """Restore both customers as they were before merge `merge_id`; raises MergeNotFound or MergeConflict."""
    record = await session.get(CustomerMerge, merge_id, with_for_update=True, populate_existing=True)
    if record is None or record.survivor_id != survivor_id:
        raise MergeNotFound(f"Customer {survivor_id} has no merge {merge_id}.")
    if record.undone_at is not None:
        raise _already_undone(record)
    blocking = await _later_merges_on(session, record)
    if blocking:
        first = blocking[0]
        raise MergeConflict(
            "merge-undo-blocked",
            "A later merge depends on this one",
            f"Undo merge {first.id} (customer {first.merged_id} into {first.survivor_id} at "
            f"{first.merged_at.isoformat()}) first: it was made after this one and involves customer "
            f"{record.survivor_id}.",
            undo_first=[merge.id for merge in blocking],
        )
    claimed = await session.execute(
        update(CustomerMerge)
        .where(CustomerMerge.id == record.id, CustomerMerge.undone_at.is_(None))
        .values(undone_at=now, undone_by=actor_name(actor))
        .execution_options(synchronize_session=False)
    )
    assert isinstance(claimed, CursorResult)
    if claimed.rowcount != 1:
        raise _already_undone(record)
    record.undone_at, record.undone_by = now, actor_name(actor)
    survivor, merged = await _locked_pair(session, record.survivor_id, record.merged_id)
    snapshot = record.snapshot
    case_ids = list(snapshot["case_ids"])
    await _hand_over(session, point_ids=list(snapshot["contact_point_ids"]), case_ids=case_ids, to=merged.id)
    _restore(survivor, snapshot["survivor"])
    _restore(merged, snapshot["merged"])
    merged.merged_into_id = None
    _record_moved(
        session,
        case_ids=case_ids,
        kind="customer_merge_undone",
        record=record,
        source=survivor,
        target=merged,
        actor=actor,
        now=now,
    )
    await session.flush()
    return record


async def _locked_pair(session: AsyncSession, first_id: str, second_id: str) -> tuple[Customer, Customer]:
    """Both customers, row-locked in id order (PostgreSQL) so two crossing merges cannot both pass their checks."""
    found: dict[str, Customer] = {}
    for customer_id in sorted((first_id, second_id)):
        customer = await session.get(Customer, customer_id, with_for_update=True, populate_existing=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        found[customer_id] = customer
    return found[first_id], found[second_id]


async def _later_merges_on(session: AsyncSession, record: CustomerMerge) -> Sequence[CustomerMerge]:
    """Active merges made after `record` that took the survivor's records or fields along, newest first."""
    rows = await session.execute(
        select(CustomerMerge)
        .where(
            CustomerMerge.undone_at.is_(None),
            CustomerMerge.id != record.id,
            CustomerMerge.merged_at > record.merged_at,
            or_(CustomerMerge.survivor_id == record.survivor_id, CustomerMerge.merged_id == record.survivor_id),
        )
        .order_by(CustomerMerge.merged_at.desc(), CustomerMerge.id)
    )
    return rows.scalars().all()


def _already_undone(record: CustomerMerge) -> MergeConflict:
    when = record.undone_at.isoformat() if record.undone_at else "just now"
    return MergeConflict("merge-already-undone", "Merge already undone", f"Merge {record.id} was undone {when}.")


async def _ids(session: AsyncSession, query: Any) -> list[str]:
    return sorted(str(value) for value in (await session.execute(query)).scalars())


async def _hand_over(session: AsyncSession, *, point_ids: list[str], case_ids: list[str], to: str) -> None:
    """Give the contact points and the cases (with the surveys of those cases) to customer `to`."""
    await _move(session, ContactPoint, ContactPoint.id, point_ids, to=to)
    await _move(session, Case, Case.id, case_ids, to=to)
    await _move(session, Survey, Survey.case_id, case_ids, to=to)


def _record_moved(
    session: AsyncSession,
    *,
    case_ids: list[str],
    kind: str,
    record: CustomerMerge,
    source: Customer,
    target: Customer,
    actor: timeline.Actor,
    now: datetime,
) -> None:
    """Say on the timeline of every moved case that the merge `record` took it from `source` to `target`."""
    for case_id in case_ids:
        timeline.record(
            session,
            case_id=case_id,
            kind=kind,
            actor=actor,
            at=now,
            detail={"merge_id": record.id, "from_customer_id": source.id, "into_customer_id": target.id},
        )


async def _move(session: AsyncSession, model: Any, key: Any, values: list[str], *, to: str) -> None:
    """Give the rows whose `key` is in `values` to customer `to`."""
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        await session.execute(
            update(model).where(key.in_(chunk)).values(customer_id=to).execution_options(synchronize_session=False)
        )


def _fields(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in FIELDS}


def _restore(customer: Customer, fields: dict[str, Any]) -> None:
    for name in FIELDS:
        setattr(customer, name, fields[name])
