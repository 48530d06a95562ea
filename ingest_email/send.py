"""Sending spooled mail through the SMTP relay (INGEST_EMAIL_RELAY_HOST/PORT) with smtplib, in a worker thread;
the loop, leases and at-most-once sending are shared.ingest.sender's."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingest_email.compose import compose
from ingest_email.handlers import reporter
from ingest_email.models import SentEmail
from ingest_email.receive import PROVIDER
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from shared.attachments import AttachmentStore
from shared.events import Channel
from shared.ingest.outbound_files import check_carriage, fetch_files
from shared.ingest.sender import SendFailed, Sent, SpoolSender

TIMEOUT_SECONDS = 30.0


class EmailSender(SpoolSender[SentEmail]):
    task_name = "email-sender"

    def __init__(
        self,
        *,
        settings: IngestEmailSettings,
        sessions: async_sessionmaker[AsyncSession],
        skip_locked: bool,
        on_reported: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__(
            model=SentEmail,
            sessions=sessions,
            reporter=reporter(settings),
            skip_locked=skip_locked,
            enabled=settings.sending_enabled,
            on_reported=on_reported,
            poll_seconds=poll_seconds,
        )
        self._settings = settings
        self._store = AttachmentStore(settings.attachments_dir)

    def channel_of(self, message: SentEmail) -> Channel:
        return Channel(message.channel)

    def provider_of(self, message: SentEmail) -> str:
        return PROVIDER

    def provider_message_id_of(self, message: SentEmail) -> str | None:
        return message.message_id

    async def deliver(self, message: SentEmail) -> Sent:
        files = []
        if message.attachments:
            check_carriage(Channel(message.channel), message.attachments)
            files = await fetch_files(message.attachments, store=self._store, store_name=SERVICE_NAME)
        mail = compose(message, files=files)
        await asyncio.to_thread(self._relay, mail.as_bytes(), message.from_address, message.to_address)
        return Sent(provider_message_id=message.message_id)

    def _relay(self, data: bytes, sender: str, recipient: str) -> None:
        host, port = self._settings.relay_host, self._settings.relay_port
        if host is None:
            raise SendFailed("email sending is not configured (INGEST_EMAIL_RELAY_HOST)", permanent=True)
        try:
            with smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS) as client:
                client.ehlo_or_helo_if_needed()
                if client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                client.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise SendFailed(_describe(code, reply), permanent=500 <= code < 600) from error
        except smtplib.SMTPResponseException as error:
            raise SendFailed(
                _describe(error.smtp_code, error.smtp_error), permanent=500 <= error.smtp_code < 600
            ) from error
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise SendFailed(f"relay unreachable: {type(error).__name__}", permanent=False) from error


def _describe(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"SMTP {code}: {' '.join(text.split())}"[:500]
