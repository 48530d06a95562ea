"""The public forms' rate limits: complaints per email or phone and per client address, messages per status link
and per client address, each over a sliding window; and the record of each accepted form (only digests)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console.models import PublicSubmission
from services.console.public.forms import digest

KEEP_AT_LEAST = timedelta(days=1)


class Kind(StrEnum):
    COMPLAINT = "complaint"
    STATUS_MESSAGE = "status_message"


class Limited(StrEnum):
    """Which limit a form ran into (its catalogue key is `public.limit.<value>`)."""

    ADDRESS = "address"
    CLIENT = "client"
    LINK = "link"


@dataclass(frozen=True)
class LimitPolicy:
    per_address: int
    per_client: int
    per_link: int
    window: timedelta


@dataclass(frozen=True)
class Refused:
    limit: Limited
    count: int
    retry_after: timedelta

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


@dataclass(frozen=True)
class Submitted:
    event_id: str
    submitted_at: datetime


@dataclass(frozen=True)
class Submission:
    """What is recorded of an accepted form; addresses as given (digested here, never stored)."""

    form_token: str
    kind: Kind
    client: str
    event_id: str
    submitted_at: datetime
    address: str | None = None
    link_token: str | None = None


class Limits:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: LimitPolicy) -> None:
        self._sessions = sessions
        self.policy = policy

    async def earlier(self, form_token: str) -> Submitted | None:
        """The accepted submission of this very form, if it was sent before."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PublicSubmission).where(PublicSubmission.form_token_sha256 == digest(form_token))
            )
        return Submitted(row.event_id, row.submitted_at) if row is not None else None

    async def refusal(
        self, *, kind: Kind, client: str, now: datetime, address: str | None = None, link_token: str | None = None
    ) -> Refused | None:
        """The first limit a new form of `kind` would go over, or None when it may be sent."""
        since = now - self.policy.window
        checks: list[tuple[Limited, Any, str, int]] = [
            (Limited.CLIENT, PublicSubmission.client_sha256, client, self.policy.per_client)
        ]
        if kind is Kind.COMPLAINT and address is not None:
            checks.insert(0, (Limited.ADDRESS, PublicSubmission.address_sha256, address, self.policy.per_address))
        if kind is Kind.STATUS_MESSAGE and link_token is not None:
            checks.insert(0, (Limited.LINK, PublicSubmission.link_sha256, link_token, self.policy.per_link))
        async with self._sessions() as session:
            for limit, column, value, allowed in checks:
                times = await _recent(session, column, digest(value), kind=kind, since=since, limit=allowed)
                if len(times) >= allowed:
                    # Free again once the oldest of the latest `allowed` leaves the window.
                    wait = min(times) + self.policy.window - now
                    return Refused(limit, len(times), max(wait, timedelta(seconds=1)))
        return None

    async def record(self, submission: Submission) -> None:
        """Record an accepted form once (a second record of the same form is the same submission)."""
        try:
            async with self._sessions.begin() as session:
                # Kept a day at least: a form sent again later still finds its receipt.
                keep = max(self.policy.window, KEEP_AT_LEAST)
                await session.execute(
                    delete(PublicSubmission).where(PublicSubmission.submitted_at < submission.submitted_at - keep)
                )
                session.add(
                    PublicSubmission(
                        form_token_sha256=digest(submission.form_token),
                        kind=submission.kind.value,
                        address_sha256=digest(submission.address) if submission.address else None,
                        client_sha256=digest(submission.client),
                        link_sha256=digest(submission.link_token) if submission.link_token else None,
                        event_id=submission.event_id,
                        submitted_at=submission.submitted_at,
                    )
                )
        except IntegrityError:
            return


async def _recent(
    session: AsyncSession, column: Any, value: str, *, kind: Kind, since: datetime, limit: int
) -> list[datetime]:
    query = (
        select(PublicSubmission.submitted_at)
        .where(column == value, PublicSubmission.kind == kind.value, PublicSubmission.submitted_at > since)
        .order_by(PublicSubmission.submitted_at.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
