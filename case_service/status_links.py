"""Status links: the customer's own page of their case, reached by a link with no account behind it.

A link has a random id; its token is that id followed by an HMAC of it under the status link key, so the service can
show a link again (to the console's receipt page) without storing the token, while only the token's SHA-256 is
looked up. A link answers for its own case only; it stops working when it expires or is revoked.

A message the customer writes on the page comes back through the gateway as a `web` message carrying the token's
SHA-256 (`metadata["status_link_sha256"]`): it joins that link's case as a message of that case's customer, whatever
the sender placeholder the gateway put on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.domain import ACTIVE_STATUSES, CaseStatus
from case_service.models import Case, ContactPoint, Customer, Message, StatusLink
from case_service.outbound import INBOUND
from case_service.policy import CasePolicy, StatusLinkPolicy
from shared.db import as_utc
from shared.events import AddressKind, Channel, ComplaintMessageReceived, ContactAddress

METADATA_KEY = "status_link_sha256"
RULE = "status_link"
ID_CHARS = 16  # secrets.token_urlsafe(12)
SIGNATURE_CHARS = 32  # 192 bits of the HMAC
TOKEN_CHARS = ID_CHARS + SIGNATURE_CHARS
TOKEN = re.compile(rf"^[A-Za-z0-9_-]{{{TOKEN_CHARS}}}$")
ACKNOWLEDGEMENT = "acknowledgement"
STAFF = "staff"


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class UnknownStatusLink(LookupError):
    """A message names a status link this service never made: it cannot be placed (and goes to dead letters)."""


@dataclass(frozen=True)
class FoundLink:
    link: StatusLink
    case: Case
    state: LinkState


def token_for(link_id: str, key: bytes) -> str:
    signature = hmac.new(key, f"status-link:{link_id}".encode(), hashlib.sha256).digest()
    return link_id + base64.urlsafe_b64encode(signature).decode()[:SIGNATURE_CHARS]


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return TOKEN.match(token) is not None


def state_of(link: StatusLink, *, now: datetime) -> LinkState:
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if as_utc(now) >= as_utc(link.expires_at):
        return LinkState.EXPIRED
    return LinkState.VALID


async def issue(
    session: AsyncSession, *, case: Case, policy: StatusLinkPolicy, now: datetime, origin: str
) -> str | None:
    """A new link to `case`; its token, or None when the service has no status link key."""
    if policy.key is None:
        return None
    link_id = secrets.token_urlsafe(12)
    token = token_for(link_id, policy.key)
    session.add(
        StatusLink(
            id=link_id,
            token_sha256=token_sha256(token),
            case_id=case.id,
            created_at=now,
            expires_at=now + policy.validity,
            origin=origin,
        )
    )
    return token


async def for_acknowledgement(
    session: AsyncSession, *, case: Case, policy: StatusLinkPolicy, now: datetime
) -> str | None:
    """The link the acknowledgement of a new case carries, for the channels that carry one."""
    if Channel(case.channel) not in policy.channels:
        return None
    return await issue(session, case=case, policy=policy, now=now, origin=ACKNOWLEDGEMENT)


async def find(session: AsyncSession, *, token: str, now: datetime) -> FoundLink | None:
    """The link of `token` with its case and whether it still works; None for a token this service never made."""
    if not is_well_formed(token):
        return None
    return await _found(session, digest=token_sha256(token), now=now)


async def _found(session: AsyncSession, *, digest: str, now: datetime) -> FoundLink | None:
    row = (
        await session.execute(
            select(StatusLink, Case).join(Case, Case.id == StatusLink.case_id).where(StatusLink.token_sha256 == digest)
        )
    ).first()
    if row is None:
        return None
    link, case = row
    return FoundLink(link=link, case=case, state=state_of(link, now=now))


async def current_url(session: AsyncSession, *, case_id: str, policy: CasePolicy, now: datetime) -> str | None:
    """The URL of the case's newest link that still works, shown again (None when there is none)."""
    key = policy.status_links.key
    if key is None:
        return None
    link = await session.scalar(
        select(StatusLink)
        .where(StatusLink.case_id == case_id, StatusLink.revoked_at.is_(None), StatusLink.expires_at > now)
        .order_by(StatusLink.created_at.desc(), StatusLink.id)
        .limit(1)
    )
    return policy.status_url(token_for(link.id, key)) if link is not None else None


async def revoke(session: AsyncSession, *, case_id: str, by: str | None, now: datetime) -> int:
    """Revoke every link of the case that is not revoked yet; how many were."""
    result = await session.execute(
        update(StatusLink)
        .where(StatusLink.case_id == case_id, StatusLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class LinkedMessage:
    """Where a message written on a status page goes: who wrote it (the link's customer, at the address their case
    answers on) and the case it joins (None: a new case for them), with the reason shown on the timeline."""

    customer: Customer
    sender: ContactAddress
    case_id: str | None
    reason: str


def names_link(data: ComplaintMessageReceived) -> bool:
    return data.channel is Channel.WEB and isinstance(data.metadata.get(METADATA_KEY), str)


async def place_linked(
    session: AsyncSession, data: ComplaintMessageReceived, *, now: datetime, reopen_window: timedelta
) -> LinkedMessage | None:
    """For a `web` message from a status page, its customer and case; None for any other message. Raises
    UnknownStatusLink for a link that does not exist."""
    if not names_link(data):
        return None
    found = await _found(session, digest=str(data.metadata[METADATA_KEY]), now=now)
    if found is None:
        raise UnknownStatusLink("the message names a status link that does not exist")
    case = found.case
    customer = await _survivor(session, case.customer_id)
    sender = await _address_of(session, case=case, customer_id=customer.id)
    if found.state is not LinkState.VALID:
        why = f"the status link it was written with is {found.state.value}"
        return LinkedMessage(customer, sender, None, f"Written on the status page of {case.reference}, but {why}")
    reason = _why_not_joined(case, now=now, reopen_window=reopen_window)
    if reason is not None:
        return LinkedMessage(customer, sender, None, f"Written on the status page of {case.reference}, but {reason}")
    return LinkedMessage(customer, sender, case.id, f"Written by the customer on the status page of {case.reference}")


def _why_not_joined(case: Case, *, now: datetime, reopen_window: timedelta) -> str | None:
    status = CaseStatus(case.status)
    if status in ACTIVE_STATUSES:
        return None
    if status is CaseStatus.RESOLVED and case.resolved_at is not None:
        if as_utc(now) - as_utc(case.resolved_at) <= reopen_window:
            return None
        return "it was resolved longer ago than the reopen window: new case"
    return "it is closed: new case"


async def _survivor(session: AsyncSession, customer_id: str) -> Customer:
    """The customer, or the one they were merged into."""
    customer = await session.get(Customer, customer_id)
    for _ in range(10):
        if customer is None or customer.merged_into_id is None:
            break
        customer = await session.get(Customer, customer.merged_into_id)
    if customer is None:
        raise LookupError(f"customer {customer_id} of a status link does not exist")
    return customer


async def _address_of(session: AsyncSession, *, case: Case, customer_id: str) -> ContactAddress:
    """The address the case answers on: the customer's latest message on the case's channel, else any message of
    theirs on the case, else their newest contact point."""
    for channel_only in (True, False):
        query = select(Message.sender_kind, Message.sender_address).where(
            Message.case_id == case.id, Message.direction == INBOUND
        )
        if channel_only:
            query = query.where(Message.channel == case.channel)
        row = (await session.execute(query.order_by(Message.received_at.desc()).limit(1))).first()
        if row is not None:
            return ContactAddress(kind=AddressKind(row.sender_kind), address=row.sender_address)
    point = await session.scalar(
        select(ContactPoint).where(ContactPoint.customer_id == customer_id).order_by(ContactPoint.created_at.desc())
    )
    if point is None:
        raise LookupError(f"case {case.reference} has no address of its customer")
    return ContactAddress(kind=AddressKind(point.kind), address=point.address, raw=point.raw, valid=point.valid)
