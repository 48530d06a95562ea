"""Case rules, free of I/O: statuses, reference numbers, which assignment counts, which contact points identify a
customer. Threading is `threads.py`, the status rules `lifecycle.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.contacts import guess_kind, normalize_address
from shared.events import AddressKind, ContactAddress


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER})

ContactKey = tuple[AddressKind, str]


def reference_year(opened_at: datetime) -> int:
    """The counter year of a case: the UTC year it was opened in (naive times are taken as UTC)."""
    if opened_at.tzinfo is None:
        return opened_at.year
    return opened_at.astimezone(UTC).year


def format_reference(year: int, number: int) -> str:
    """`C-2026-000123`: the year, then the case's number within that year, zero-padded to at least six digits."""
    if not 1 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if number < 1:
        raise ValueError(f"case numbers start at 1, got {number}")
    return f"C-{year:04d}-{number:06d}"


def assignment_is_newer(current: datetime | None, incoming: datetime) -> bool:
    """Assignments may be redelivered or replayed: only one at least as recent as the recorded one counts."""
    return current is None or _as_utc(incoming) >= _as_utc(current)


def sender_contact(sender: ContactAddress, *, default_region: str) -> ContactAddress:
    """The sender's address normalized again, so `0912345678` and `+84 912 345 678` are one number whatever the
    ingest adapter did; `raw` keeps what the provider sent."""
    normalized = normalize_address(sender.kind, sender.address, default_region=default_region)
    return normalized.model_copy(update={"raw": sender.raw or sender.address})


def message_identifiers(
    sender: ContactAddress, customer_ref: str | None, *, extra: Sequence[ContactAddress] = ()
) -> tuple[ContactAddress, ...]:
    """The contact points a message identifies its customer by, strongest first, each once.

    An integrator's `customer_ref` (an `external` contact point) is an explicit identity, so it outranks the
    (already normalized) sender address; `extra` identifiers (see `extra_identifiers`) come last.
    """
    found: list[ContactAddress] = []
    if customer_ref is not None and customer_ref.strip():
        found.append(normalize_address(AddressKind.EXTERNAL, customer_ref))
    found.append(sender)
    found.extend(extra)
    unique: dict[ContactKey, ContactAddress] = {}
    for contact in found:
        unique.setdefault(contact_key(contact), contact)
    return tuple(unique.values())


# An adapter may name more identifiers than it has room for in `sender`; a handful is plenty, more is abuse.
MAX_EXTRA_IDENTIFIERS = 5


def extra_identifiers(
    sender: ContactAddress, metadata: Mapping[str, Any], *, default_region: str
) -> tuple[ContactAddress, ...]:
    """Identifiers a message carries besides its sender and `customer_ref`, normalized.

    A WhatsApp id is the customer's phone number, so a valid one also names the `phone` contact point (an SMS from
    that number then finds the same customer). An adapter may list more in `metadata["identifiers"]` as
    `[{"kind": ..., "address": ...}]`; entries of an unknown kind or without an address are ignored.
    """
    found: list[ContactAddress] = []
    if sender.kind is AddressKind.WHATSAPP and sender.valid:
        found.append(ContactAddress(kind=AddressKind.PHONE, address=sender.address, raw=sender.raw, valid=True))
    listed = metadata.get("identifiers")
    if isinstance(listed, list):
        for item in listed[:MAX_EXTRA_IDENTIFIERS]:
            contact = _listed_identifier(item, default_region=default_region)
            if contact is not None:
                found.append(contact)
    return tuple(found)


def _listed_identifier(item: object, *, default_region: str) -> ContactAddress | None:
    if not isinstance(item, Mapping):
        return None
    kind, address = item.get("kind"), item.get("address")
    if not isinstance(kind, str) or not isinstance(address, str) or not address.strip():
        return None
    try:
        address_kind = AddressKind(kind.strip().lower())
    except ValueError:
        return None
    return normalize_address(address_kind, address, default_region=default_region)


def contact_key(contact: ContactAddress) -> ContactKey:
    return (contact.kind, contact.address)


def owning_customer(identifiers: Sequence[ContactAddress], owners: Mapping[ContactKey, str]) -> str | None:
    """The customer owning the strongest identifier that is already known, or None for a new customer."""
    for contact in identifiers:
        owner = owners.get(contact_key(contact))
        if owner is not None:
            return owner
    return None


def identifiers_to_link(
    identifiers: Sequence[ContactAddress], owners: Mapping[ContactKey, str]
) -> tuple[ContactAddress, ...]:
    """Identifiers nobody owns yet: they become the customer's. One owned by someone else stays theirs."""
    return tuple(contact for contact in identifiers if contact_key(contact) not in owners)


# Addresses that are phone numbers: a number looked up by itself may be a phone or a WhatsApp contact point.
_PHONE_KINDS = (AddressKind.PHONE, AddressKind.WHATSAPP)
# Platform user ids and integrator references look alike, so a bare one may be any of these.
_ID_KINDS = tuple(kind for kind in AddressKind if kind not in {AddressKind.EMAIL, *_PHONE_KINDS})
# The `<kind>:` prefixes a typed address may carry (an email's local part never matches: it is followed by `@`).
_PREFIXES = frozenset(kind.value for kind in AddressKind if kind is not AddressKind.EMAIL)


def contact_candidates(raw: str, *, kind: AddressKind | None, default_region: str) -> tuple[ContactKey, ...]:
    """The contact points `raw` (an address someone typed) may be: as `kind` when given, else by what it looks like.

    A number may be a phone or WhatsApp number (both stored in E.164) or, as typed, a numeric platform user id.
    `<kind>:<address>` (`messenger:…`, `telegram:…`, `zalo:…`, `x:…`, `whatsapp:+84…`) names the kind itself.
    """
    prefix, colon, rest = raw.strip().partition(":")
    if colon and rest.strip() and prefix.lower() in _PREFIXES and (kind is None or kind.value == prefix.lower()):
        kind, raw = AddressKind(prefix.lower()), rest
    if kind is not None:
        # Stored WhatsApp ids are E.164 numbers: normalize as a phone so a national form matches too.
        as_kind = AddressKind.PHONE if kind in _PHONE_KINDS else kind
        return ((kind, normalize_address(as_kind, raw, default_region=default_region).address),)
    guessed = guess_kind(raw)
    if guessed is AddressKind.EMAIL:
        return ((AddressKind.EMAIL, normalize_address(guessed, raw).address),)
    as_id = tuple((id_kind, raw.strip()) for id_kind in _ID_KINDS)
    if guessed is AddressKind.PHONE:
        number = normalize_address(AddressKind.PHONE, raw, default_region=default_region).address
        return tuple((phone_kind, number) for phone_kind in _PHONE_KINDS) + as_id
    return as_id


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class RecurringRule:
    """When a category or root cause counts as a recurring problem: at least `min_customers` distinct customers
    within `window`, and at least `factor` times the baseline, the average distinct customers per window over the
    `baseline_period` before it."""

    window: timedelta
    baseline_period: timedelta
    min_customers: int
    factor: float

    def baseline(self, customers_in_period: int) -> float:
        """Distinct customers of the baseline period, per window."""
        return round(customers_in_period * (self.window / self.baseline_period), 4)

    def rises(self, customers: int, baseline: float) -> bool:
        return customers >= self.min_customers and customers >= self.factor * baseline
