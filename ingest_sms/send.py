"""Sending SMS through the twilio library's REST client, from the spool the outbound handler fills.

The handler only spools (`sent_messages`, status pending) inside the consumer's transaction: holding a database
transaction open across an HTTP call to Twilio would stall every webhook behind SQLite's single writer. This task
then claims due messages (leased as `sending`), sends them outside any transaction, and records the outcome with its
report in one transaction. A message is sent at most once: a process that died while one was `sending` cannot know
whether Twilio took it, so when its lease runs out it is reported failed (an agent can resend) instead of risking a
duplicate text to the customer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ingest_sms import repository
from ingest_sms.delivery import record_outcome
from ingest_sms.models import SentMessage
from ingest_sms.settings import IngestSmsSettings
from ingest_sms.twilio_http import HttpxTwilioClient
from shared.background import BackgroundTask
from shared.events import DeliveryStatus

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
STATUS_CALLBACK_PATH = "/twilio/sms/status"
REQUEST_TIMEOUT_SECONDS = 30.0
LEASE = timedelta(minutes=5)
LEASE_CHECK_SECONDS = 60.0
GIVE_UP_AFTER = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=5)
BATCH = 10
INTERRUPTED = "interrupted while sending: delivery unknown"
OPTED_OUT = "the number opted out of SMS"
# Twilio's "Attempt to send to unsubscribed recipient": the number sent STOP to Twilio itself.
UNSUBSCRIBED_RECIPIENT = 21610


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


class SendFailed(Exception):
    def __init__(self, error: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.code = code


class TwilioMessages:
    """The Messages API through twilio.rest.Client, pointed at INGEST_SMS_TWILIO_API_URL."""

    def __init__(self, settings: IngestSmsSettings) -> None:
        self._settings = settings
        self._http: HttpxTwilioClient | None = None
        self._client: Client | None = None

    async def start(self) -> None:
        self._http = HttpxTwilioClient(timeout=REQUEST_TIMEOUT_SECONDS)
        client = Client(
            self._settings.twilio_account_sid, self._settings.auth_token(), http_client=self._http, environment={}
        )
        # The API domain's base URL is the library's own switch for where requests go (a local server in tests).
        client.api.base_url = self._settings.twilio_api_url
        self._client = client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None

    async def send(self, *, to: str, body: str, sender: str | None) -> Sent:
        """Send one SMS; raises SendFailed (permanent for Twilio's 4xx refusals, else worth retrying)."""
        if self._client is None:
            raise SendFailed("the Twilio client is not started", permanent=False)
        options: dict[str, str] = {}
        if self._settings.messaging_service_sid is not None:
            options["messaging_service_sid"] = self._settings.messaging_service_sid
        elif sender is not None:
            options["from_"] = sender
        if self._settings.public_url is not None:
            options["status_callback"] = self._settings.public_url + STATUS_CALLBACK_PATH
        try:
            message = await self._client.messages.create_async(to=to, body=body, **options)
        except TwilioRestException as error:
            permanent = 400 <= error.status < 500 and error.status != 429
            raise SendFailed(_describe(error), permanent=permanent, code=_code(error)) from error
        except (TwilioException, httpx.HTTPError, OSError) as error:
            raise SendFailed(f"Twilio unreachable: {type(error).__name__}", permanent=False) from error
        except Exception as error:  # whatever else went wrong, the message was not sent: try again later
            log.exception("sending an SMS failed unexpectedly")
            raise SendFailed(f"not sent: {type(error).__name__}", permanent=False) from error
        return Sent(sid=str(message.sid), status=str(message.status))


class SmsSender(BackgroundTask):
    """Sends the spooled SMS that are due; wake it after spooling one to send it at once."""

    task_name = "sms-sender"

    def __init__(
        self,
        *,
        settings: IngestSmsSettings,
        sessions: async_sessionmaker[AsyncSession],
        messages: TwilioMessages,
        skip_locked: bool,
        on_reported: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._sessions = sessions
        self._messages = messages
        self._skip_locked = skip_locked
        self._on_reported = on_reported
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._next_expiry = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        if self._settings.sending_enabled:
            await self._messages.start()
        try:
            while True:
                try:
                    await self._expire_leases_when_due()
                    handled = await self.send_due(now=datetime.now(UTC))
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("sending SMS failed; will retry")
                    handled = 0
                    await asyncio.sleep(1)
                if handled < BATCH:
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                    except TimeoutError:
                        pass
        finally:
            await self._messages.close()

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
            stale = await repository.due_messages(
                session, status=repository.SENDING, before=now, limit=100, skip_locked=self._skip_locked
            )
            for message in stale:
                await self._report(session, message, DeliveryStatus.FAILED, now, error=INTERRUPTED)
        if stale:
            self._on_reported()
        return len(stale)

    async def _claim(self, *, now: datetime) -> list[SentMessage]:
        claimed: list[SentMessage] = []
        skipped = 0
        async with self._sessions() as session, session.begin():
            due = await repository.due_messages(
                session, status=repository.PENDING, before=now, limit=BATCH, skip_locked=self._skip_locked
            )
            for message in due:
                if await repository.is_opted_out(session, number=message.to_number):
                    await self._report(session, message, DeliveryStatus.SKIPPED, now, error=OPTED_OUT)
                    skipped += 1
                    continue
                message.status = repository.SENDING
                message.attempts += 1
                message.next_attempt_at = now + LEASE
                message.updated_at = now
                claimed.append(message)
        if skipped:
            self._on_reported()
        return claimed

    async def _send(self, message: SentMessage) -> None:
        try:
            sent = await self._messages.send(to=message.to_number, body=message.body, sender=message.from_address)
        except SendFailed as failure:
            await self._failed(message, failure)
            return
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await repository.sent_message(session, outbound_id=message.outbound_id)
            if row is None:
                return
            row.sid, row.sent_at = sent.sid, now
            await self._report(session, row, DeliveryStatus.SENT, now)
        self._on_reported()

    async def _failed(self, message: SentMessage, failure: SendFailed) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await repository.sent_message(session, outbound_id=message.outbound_id)
            if row is None:
                return
            if failure.code == UNSUBSCRIBED_RECIPIENT:
                await repository.set_consent(session, number=row.to_number, opted_out=True, keyword="twilio", at=now)
            given_up = failure.permanent or now - row.requested_at >= GIVE_UP_AFTER
            if given_up:
                await self._report(session, row, DeliveryStatus.FAILED, now, error=failure.error)
            else:
                row.status = repository.PENDING
                row.error = failure.error
                row.next_attempt_at = now + min(timedelta(seconds=2**row.attempts), MAX_BACKOFF)
                row.updated_at = now
        if given_up:
            self._on_reported()
        else:
            log.warning("SMS %s not sent (%s); retrying later", message.outbound_id, failure.error)

    async def _report(
        self,
        session: AsyncSession,
        message: SentMessage,
        status: DeliveryStatus,
        now: datetime,
        *,
        error: str | None = None,
    ) -> None:
        await record_outcome(
            session,
            message,
            status=status,
            now=now,
            tenant=self._settings.tenant,
            error=error,
            correlation_id=message.correlation_id,
        )


def _code(error: TwilioRestException) -> int | None:
    return error.code if isinstance(error.code, int) else None


def _describe(error: TwilioRestException) -> str:
    code = _code(error)
    # The library prefixes Twilio's message with what it tried ("Unable to create record: ").
    message = (error.msg or "").strip().removeprefix("Unable to create record:").strip()
    prefix = f"Twilio error {code}" if code is not None else f"Twilio HTTP {error.status}"
    return f"{prefix}: {message}"[:500] if message else prefix
