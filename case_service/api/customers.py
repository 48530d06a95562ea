"""Customers: the 360° view, lookup by contact address or search by name, edits, merge and undo, duplicates.

Agents read a customer only when one of the customer's cases is assigned to them (any other answers 404, as if it
did not exist); edits, merges and duplicate suggestions are for supervisors and admins.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import customer_queries, identity, merges, timeline
from case_service.api.deps import Caller, Policy, Session
from case_service.models import Customer
from case_service.schemas.customers import (
    CustomerDetail,
    CustomerList,
    CustomerPatch,
    CustomerPatched,
    CustomerSummary,
    DuplicateCandidate,
    DuplicateList,
    EvidenceOut,
    FieldChange,
    MergeCreated,
    MergeRequest,
    MergeUndone,
)
from shared.auth import Principal
from shared.events import AddressKind
from shared.problems import PROBLEM_JSON, Problem

log = logging.getLogger(__name__)

router = APIRouter(tags=["customers"])


def _problems(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers for problem+json errors, keyed `e404=...`."""
    return {int(key[1:]): {"description": text, "content": {PROBLEM_JSON: {}}} for key, text in described.items()}


_HIDDEN = "No such customer, or (for an agent) none of its cases is assigned to the caller."
_SUPERVISORS = "Agents may not: supervisors and admins only."


@router.get("/customers/{customer_id}", responses=_problems(e404=_HIDDEN))
async def get_customer(customer_id: str, session: Session, caller: Caller) -> CustomerDetail:
    """The customer across every channel: contact points, all cases and messages, CSAT answers, counts."""
    customer = await _readable(session, customer_id, caller)
    return await _detail(session, customer, caller)


@router.get(
    "/customers",
    response_model=CustomerDetail | CustomerList,
    responses=_problems(
        e404="No customer has the contact address (or, for an agent, none of theirs).",
        e409="The address belongs to several customers as different kinds (ambiguous-contact): pass `kind`.",
        e422="Neither or both of `contact` and `q`.",
    ),
)
async def find_customers(
    session: Session,
    caller: Caller,
    policy: Policy,
    contact: Annotated[
        str | None,
        Query(min_length=1, max_length=500, description="An email, phone or platform id: answers that customer."),
    ] = None,
    kind: Annotated[AddressKind | None, Query(description="What `contact` is, when it may be several.")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=200,
            description="A name (any accents, any word order) or part of an address: answers up to 50 customers.",
        ),
    ] = None,
) -> CustomerDetail | CustomerList:
    """Exactly one of `contact` (the customer owning that address, normalized first) or `q` (a search)."""
    if (contact is None) == (q is None):
        raise Problem(
            422,
            "validation-error",
            "Request is not valid",
            "Give exactly one of `contact` (an address) or `q` (a name or part of an address).",
            errors=[{"field": "query.contact", "message": "give exactly one of contact or q"}],
        )
    if q is not None:
        if kind is not None:
            raise Problem(422, "validation-error", "Request is not valid", "`kind` goes with `contact`, not `q`.")
        found = await customer_queries.search(session, text=q, agent_id=None if caller.sees_all else caller.agent_id)
        return CustomerList(items=[CustomerSummary.model_validate(item, from_attributes=True) for item in found])
    assert contact is not None
    owners = await customer_queries.owners_of_contact(
        session, contact=contact, kind=kind, default_region=policy.default_region
    )
    if not caller.sees_all:
        owners = [owner for owner in owners if await _agent_sees(session, owner, caller)]
    if not owners:
        raise Problem(404, "customer-not-found", "Customer not found", "No customer has this contact address.")
    if len(owners) > 1:
        raise Problem(
            409,
            "ambiguous-contact",
            "Several customers match",
            "The address belongs to several customers as different kinds; pass `kind` to choose.",
            customer_ids=owners,
        )
    return await _detail(session, await _existing(session, owners[0]), caller)


@router.patch("/customers/{customer_id}", responses=_problems(e403=_SUPERVISORS, e404=_HIDDEN))
async def update_customer(customer_id: str, body: CustomerPatch, session: Session, caller: Caller) -> CustomerPatched:
    """Change the name, language or opt-out (supervisors and admins); the answer records what changed and who."""
    _supervisor(caller)
    now = datetime.now(UTC)
    async with session.begin():
        customer = await _existing(session, customer_id, lock=True)
        changes: list[FieldChange] = []
        for field in ("display_name", "language", "opted_out"):
            new = getattr(body, field)
            old = getattr(customer, field)
            if new is None or new == old:
                continue
            setattr(customer, field, new)
            changes.append(FieldChange(field=field, old=old, new=new))
        if any(change.field == "display_name" for change in changes):
            customer.name_key = identity.name_key(customer.display_name)
    log.info("customer %s edited: %s", customer_id, ", ".join(change.field for change in changes) or "no change")
    detail = await _detail(session, customer, caller)
    return CustomerPatched(
        **detail.model_dump(),
        changes=changes,
        changed_by=merges.actor_name(timeline.actor_of(caller)),
        changed_at=now,
    )


@router.post(
    "/customers/{customer_id}/merge",
    status_code=status.HTTP_201_CREATED,
    responses=_problems(
        e403=_SUPERVISORS,
        e404="Either customer does not exist.",
        e409="Merging a customer into itself (merge-into-itself), or either one is already merged "
        "(customer-already-merged).",
    ),
)
async def merge_customers(customer_id: str, body: MergeRequest, session: Session, caller: Caller) -> MergeCreated:
    """Fold `other_customer_id` into this customer: its contact points and cases move here; undo restores both."""
    _supervisor(caller)
    async with _merging(session):
        record = await merges.merge(
            session,
            survivor_id=customer_id,
            other_id=body.other_customer_id,
            actor=timeline.actor_of(caller),
            now=datetime.now(UTC),
        )
    log.info("customer %s merged into %s (merge %s)", record.merged_id, record.survivor_id, record.id)
    return MergeCreated(merge_id=record.id)


@router.post(
    "/customers/{customer_id}/merges/{merge_id}/undo",
    responses=_problems(
        e403=_SUPERVISORS,
        e404="This customer has no such merge (merge-not-found).",
        e409="Already undone (merge-already-undone), or a later merge depends on it (merge-undo-blocked, with "
        "`undo_first`).",
    ),
)
async def undo_merge(customer_id: str, merge_id: str, session: Session, caller: Caller) -> MergeUndone:
    """Restore both customers exactly as before the merge; records that arrived since stay with this customer."""
    _supervisor(caller)
    async with _merging(session):
        record = await merges.undo(
            session,
            survivor_id=customer_id,
            merge_id=merge_id,
            actor=timeline.actor_of(caller),
            now=datetime.now(UTC),
        )
    log.info("merge %s undone", record.id)
    assert record.undone_at is not None
    return MergeUndone(
        merge_id=record.id, survivor_id=record.survivor_id, merged_id=record.merged_id, undone_at=record.undone_at
    )


@router.get("/customers/{customer_id}/duplicates", responses=_problems(e403=_SUPERVISORS, e404="No such customer."))
async def duplicates(customer_id: str, session: Session, caller: Caller) -> DuplicateList:
    """Customers that are likely the same person, with the evidence; never merges (supervisors and admins)."""
    _supervisor(caller)
    customer = await _existing(session, customer_id)
    found = await customer_queries.duplicates_of(session, customer=customer)
    return DuplicateList(
        items=[
            DuplicateCandidate(
                customer_id=other.id,
                display_name=other.display_name,
                evidence=[EvidenceOut(rule=item.rule, detail=item.detail) for item in evidence],
            )
            for other, evidence in found
        ]
    )


@asynccontextmanager
async def _merging(session: AsyncSession) -> AsyncIterator[None]:
    """A merge or an undo in its own transaction, committed on success; its refusals become problems."""
    try:
        async with session.begin():
            yield
    except merges.CustomerNotFound as error:
        raise _no_customer(error.customer_id) from error
    except merges.MergeNotFound as error:
        raise Problem(404, "merge-not-found", "Merge not found", str(error)) from error
    except merges.MergeConflict as error:
        raise Problem(409, error.kind, error.title, error.detail, **error.extra) from error


async def _detail(session: AsyncSession, customer: Customer, caller: Principal) -> CustomerDetail:
    agent_id = None if caller.sees_all else caller.agent_id
    view = await customer_queries.customer_view(session, customer=customer, agent_id=agent_id)
    return CustomerDetail.model_validate(view, from_attributes=True)


async def _existing(session: AsyncSession, customer_id: str, *, lock: bool = False) -> Customer:
    customer = await session.get(Customer, customer_id, with_for_update=lock, populate_existing=lock)
    if customer is None:
        raise _no_customer(customer_id)
    return customer


async def _readable(session: AsyncSession, customer_id: str, caller: Principal) -> Customer:
    """The customer, if the caller may read it; another agent's customer is as unknown as a missing one."""
    customer = await _existing(session, customer_id)
    if not caller.sees_all and not await _agent_sees(session, customer_id, caller):
        raise _no_customer(customer_id)
    return customer


async def _agent_sees(session: AsyncSession, customer_id: str, caller: Principal) -> bool:
    return caller.agent_id is not None and await customer_queries.visible_to_agent(
        session, customer_id=customer_id, agent_id=caller.agent_id
    )


def _supervisor(caller: Principal) -> None:
    if not caller.sees_all:
        raise Problem(403, "forbidden", "Forbidden", "This needs one of the roles: admin, supervisor.")


def _no_customer(customer_id: str) -> Problem:
    return Problem(404, "customer-not-found", "Customer not found", f"There is no customer with id {customer_id}.")
