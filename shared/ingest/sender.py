"""The sender loop: claims spooled messages that are due, sends them outside any transaction, records each
outcome with its report in one transaction.

The outbound handler only spools inside the consumer's transaction: holding a database transaction open across a
call to a provider would stall every webhook behind SQLite's single writer. A message is sent at most once: a
process that died while one was `sending` cannot know whether the provider took it, so when its lease runs out it
is reported failed (an agent can resend) instead of risking a duplicate to the customer.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.background import BackgroundTask, run_batches
from shared.events import Channel, DeliveryStatus
from shared.ingest import spool
from shared.ingest.delivery import DeliveryReporter
from shared.ingest.spool import M

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
LEASE_CHECK_SECONDS = 60.0
GIVE_UP_AFTER = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=5)
BATCH = 10
INTERRUPTED = "interrupted while sending: delivery unknown"


@dataclass(frozen=True)
class Sent:
    """The provider took the message; its id for it, when it gives one."""

    provider_message_id: str | None
    status: str = "sent"


class SendFailed(Exception):
    """Not sent: `permanent` when retrying cannot help; `retry_after` (seconds) when the provider said how long to
    wait, which the next attempt honours even when it is longer than the spool's own backoff."""

    def __init__(
        self, error: str, *, permanent: bool, code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after


class SpoolSender(BackgroundTask, Generic[M]):
    """Sends the spooled messages of `model` that are due; wake it after spooling one to send it at once.

    Subclasses say how to send (`deliver`), on which channel and by which provider a message is reported
    (`channel_of`, `provider_of`), and may refuse a message at claim time (`refusal`), keep what the provider answered
    (`on_sent`) or learn from a failure (`on_failure`).
    """

    task_name = "sender"

    def __init__(
        self,
        *,
        model: type[M],
        sessions: async_sessionmaker[AsyncSession],
        reporter: DeliveryReporter,
        skip_locked: bool,
        enabled: bool,
        on_reported: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__()
        self._model = model
        self._sessions = sessions
        self._reporter = reporter
        self._skip_locked = skip_locked
        self._enabled = enabled
        self._on_reported = on_reported
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._next_expiry = 0.0

    # -- what a channel provides

    @abstractmethod
    async def deliver(self, message: M) -> Sent:
        """Send one message; raises SendFailed (permanent when retrying cannot help)."""

    @abstractmethod
    def channel_of(self, message: M) -> Channel: ...

    @abstractmethod
    def provider_of(self, message: M) -> str:
        """The provider that carries the message, named in its reports."""

    async def open(self) -> None:
        """Set up the provider's client (only when sending is enabled)."""

    async def close(self) -> None:
        """Release the provider's client."""

    async def refusal(self, session: AsyncSession, message: M) -> tuple[DeliveryStatus, str] | None:
        """Why the message must not be sent after all (e.g. the address opted out meanwhile), or None."""
        return None

    def on_sent(self, message: M, sent: Sent) -> None:
        """Keep what the provider answered on the row (in the transaction that records the outcome)."""

    async def on_failure(self, session: AsyncSession, message: M, failure: SendFailed, now: datetime) -> None:
        """Learn from a failure (e.g. the provider says the recipient unsubscribed)."""

    def provider_message_id_of(self, message: M) -> str | None:
        """The provider's id of the message as the row keeps it, for reports that do not carry one."""
        return None

    # -- the loop

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        if self._enabled:
            await self.open()
        try:
            await run_batches(self._batch, name=self.task_name, size=BATCH, wake=self._wake, poll_seconds=self._poll)
        finally:
            await self.close()

    async def _batch(self) -> int:
        await self._expire_leases_when_due()
        return await self.send_due(now=datetime.now(UTC))

    async def send_due(self, *, now: datetime) -> int:
        """Claim up to a batch of due messages, send them concurrently, record each outcome; returns how many."""
        claimed = await self._claim(now=now)
        if claimed:
            await asyncio.gather(*(self._send(message) for message in claimed))
        return len(claimed)

    async def _expire_leases_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_expiry:
            self._next_expiry = now + LEASE_CHECK_SECONDS
            await self.expire_leases(now=datetime.now(UTC))

    async def expire_leases(self, *, now: datetime) -> int:
        """Messages left `sending` by a process that stopped mid-send: reported failed, never sent again."""
        async with self._sessions() as session, session.begin():
            stale = await spool.due(
                session, self._model, status=spool.SENDING, before=now, limit=100, skip_locked=self._skip_locked
            )
            for message in stale:
                await self.report(session, message, DeliveryStatus.FAILED, now, error=INTERRUPTED)
        if stale:
            self._on_reported()
        return len(stale)

    async def _claim(self, *, now: datetime) -> list[M]:
        claimed: list[M] = []
        refused = 0
        async with self._sessions() as session, session.begin():
            due = await spool.due(
                session, self._model, status=spool.PENDING, before=now, limit=BATCH, skip_locked=self._skip_locked
            )
            for message in due:
                refusal = await self.refusal(session, message)
                if refusal is not None:
                    await self.report(session, message, refusal[0], now, error=refusal[1])
                    refused += 1
                    continue
                message.status = spool.SENDING
                message.attempts += 1
                message.next_attempt_at = now + LEASE
                message.updated_at = now
                claimed.append(message)
        if refused:
            self._on_reported()
        return claimed

    async def _send(self, message: M) -> None:
        try:
            sent = await self.deliver(message)
        except SendFailed as failure:
            await self._failed(message, failure)
            return
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await spool.spooled(session, self._model, outbound_id=message.outbound_id)
            if row is None:
                return
            row.sent_at = now
            self.on_sent(row, sent)
            await self.report(session, row, DeliveryStatus.SENT, now, provider_message_id=sent.provider_message_id)
        self._on_reported()

    async def _failed(self, message: M, failure: SendFailed) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await spool.spooled(session, self._model, outbound_id=message.outbound_id)
            if row is None:
                return
            await self.on_failure(session, row, failure, now)
            given_up = failure.permanent or now - row.requested_at >= GIVE_UP_AFTER
            if given_up:
                await self.report(session, row, DeliveryStatus.FAILED, now, error=failure.error)
            else:
                row.status = spool.PENDING
                row.error = failure.error
                row.next_attempt_at = now + _retry_delay(row.attempts, failure)
                row.updated_at = now
        if given_up:
            self._on_reported()
        else:
            # the provider's words may quote the recipient: they stay on the spool row, the log gets the code only
            log.warning("%s not sent (code %s); retrying later", message.outbound_id, failure.code)

    async def report(
        self,
        session: AsyncSession,
        message: M,
        status: DeliveryStatus,
        now: datetime,
        *,
        error: str | None = None,
        provider_message_id: str | None = None,
    ) -> None:
        await self._reporter.record(
            session,
            message,
            status=status,
            channel=self.channel_of(message),
            provider=self.provider_of(message),
            now=now,
            error=error,
            provider_message_id=provider_message_id or self.provider_message_id_of(message),
        )


def _retry_delay(attempts: int, failure: SendFailed) -> timedelta:
    """The spool's backoff, or longer when the provider asked for a longer wait."""
    backoff = min(timedelta(seconds=2**attempts), MAX_BACKOFF)
    if failure.retry_after is None:
        return backoff
    return max(backoff, timedelta(seconds=failure.retry_after))
