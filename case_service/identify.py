"""Who wrote a message: the customer behind its identifiers (sender, integrator reference, WhatsApp number as a phone,
identifiers an adapter listed), with the identifiers nobody owns yet linked to them.

Two identifiers owned by different customers are never merged silently: the strongest one names the customer and
the conflict is reported, so the case timeline shows it and an agent can merge (the duplicates endpoint suggests it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import domain, identity, repository
from case_service.models import Customer
from shared.events import ComplaintMessageReceived, ContactAddress


@dataclass(frozen=True)
class Conflict:
    """An identifier of the message that belongs to another customer than the one it was filed under."""

    kind: str
    address: str
    customer_id: str


@dataclass(frozen=True)
class Identified:
    customer: Customer
    created: bool
    conflicts: tuple[Conflict, ...]


async def identify(
    session: AsyncSession,
    *,
    data: ComplaintMessageReceived,
    sender: ContactAddress,
    language: str,
    default_region: str,
    now: datetime,
) -> Identified:
    """The customer owning the strongest known identifier (a new one when none is known; a merged customer is
    answered as its survivor); unowned identifiers become theirs; name, name key and language filled when unknown."""
    extra = domain.extra_identifiers(sender, data.metadata, default_region=default_region)
    identifiers = domain.message_identifiers(sender, data.customer_ref, extra=extra)
    owners = await repository.contact_owners(session, keys=[domain.contact_key(c) for c in identifiers])
    survivors = await repository.survivors_of(session, customer_ids=set(owners.values()))
    resolved = {key: survivors[owner].id for key, owner in owners.items()}
    customer_id = domain.owning_customer(identifiers, resolved)
    display_name = (data.sender.display_name or "").strip() or None
    if customer_id is None:
        customer = await repository.add_customer(
            session, display_name=display_name, name_key=identity.name_key(display_name), language=language, now=now
        )
    else:
        customer = next(survivor for survivor in survivors.values() if survivor.id == customer_id)
        _fill(customer, display_name=display_name, language=language)
    for contact in domain.identifiers_to_link(identifiers, owners):
        await repository.add_contact_point(session, customer_id=customer.id, contact=contact, now=now)
    conflicts = tuple(
        Conflict(kind=kind.value, address=address, customer_id=owner)
        for (kind, address), owner in resolved.items()
        if owner != customer.id
    )
    return Identified(customer=customer, created=customer_id is None, conflicts=conflicts)


def _fill(customer: Customer, *, display_name: str | None, language: str) -> None:
    """A customer known only by address gets the name a later message carries; what is known is kept."""
    if display_name and not customer.display_name:
        customer.display_name = display_name
    if customer.display_name and not customer.name_key:
        customer.name_key = identity.name_key(customer.display_name)
    if not customer.language:
        customer.language = language
