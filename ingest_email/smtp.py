"""The SMTP listener (aiosmtpd) on INGEST_EMAIL_SMTP_PORT, served on the service's own event loop.

Answers: 550 for a recipient outside INGEST_EMAIL_DOMAINS, 552 over INGEST_EMAIL_MAX_BYTES, 451 when the message
could not be made durable (the sending server retries), 250 once it is durable: as a complaint, a delivery report
on our own mail, or a dead letter (a mail we cannot read is still not lost, so it is not refused).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import dns.resolver
from aiosmtpd.smtp import SMTP, Envelope, Session

from ingest_email import sender_checks
from ingest_email.authresults import Checked, MethodResult
from ingest_email.normalize import Envelope as MailEnvelope
from ingest_email.receive import PROVIDER, Receiver
from ingest_email.settings import IngestEmailSettings
from shared.background import BackgroundTask
from shared.ingest.intake import StorageUnavailable

log = logging.getLogger(__name__)

NOT_OURS = "550 5.7.1 Relaying denied: we accept mail for our own domains only"
TOO_BIG = "552 5.3.4 Message too big for this system"
TRY_LATER = "451 4.3.0 Temporarily unable to store the message; try again later"
# SPF may take up to 10 lookups, each DKIM signature one, DMARC a few: the whole check is bounded too.
CHECK_LOOKUPS = 20


class MailHandler:
    """aiosmtpd handler: checks recipients, checks the sender (SPF, DKIM, DMARC) when given a resolver, takes the
    message through the Receiver."""

    def __init__(
        self,
        *,
        receiver: Receiver,
        domains: frozenset[str],
        max_bytes: int,
        resolver: dns.resolver.Resolver | None = None,
    ) -> None:
        self._receiver = receiver
        self._domains = domains
        self._max_bytes = max_bytes
        self._resolver = resolver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].strip().rstrip(".").lower()
        if domain not in self._domains:
            return NOT_OURS
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self._max_bytes:
            return TOO_BIG
        mail_envelope = MailEnvelope(
            mail_from=envelope.mail_from or None,
            rcpt_tos=tuple(envelope.rcpt_tos),
            checked=await self._check_sender(raw, session, envelope),
        )
        try:
            received = await self._receiver.receive(raw, provider=PROVIDER, envelope=mail_envelope)
        except StorageUnavailable:
            return TRY_LATER
        except Exception:
            log.exception("receiving a mail failed unexpectedly")
            return TRY_LATER
        return f"250 2.0.0 OK: {received.kind.value} {received.event_id or ''}".rstrip()

    async def _check_sender(self, raw: bytes, session: Session, envelope: Envelope) -> Checked | None:
        """Our own SPF/DKIM/DMARC results (None when the listener does not check: a relay in front of it did)."""
        if self._resolver is None:
            return None
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        sender = sender_checks.Peer(ip=str(peer), helo=session.host_name or None, mail_from=envelope.mail_from or None)
        bound = self._resolver.lifetime * CHECK_LOOKUPS
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(sender_checks.check, raw, sender, resolver=self._resolver), timeout=bound
            )
        except TimeoutError:
            log.warning("sender checks took longer than %.0f s: results unknown", bound)
            return Checked(sender_checks.SOURCE, (MethodResult("spf", sender_checks.TEMPERROR),))
        except Exception as error:
            log.warning("sender checks failed (%s): results unknown", type(error).__name__)
            return Checked(sender_checks.SOURCE, ())


def sender_resolver(settings: IngestEmailSettings) -> dns.resolver.Resolver | None:
    """The resolver of the listener's sender checks; None when they are off or no resolver is configured."""
    if not settings.smtp_check_sender:
        return None
    try:
        return sender_checks.resolver_of(settings.dns_servers, timeout=settings.dns_timeout_seconds)
    except dns.resolver.NoResolverConfiguration:
        log.error("no DNS resolver is configured (set INGEST_EMAIL_DNS_SERVERS): SMTP mail is not checked")
        return None


def tls_context(settings: IngestEmailSettings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


class SmtpListener(BackgroundTask):
    """Serves SMTP while the service runs; `port` is the bound port once listening (useful with port 0)."""

    task_name = "smtp-listener"

    def __init__(self, *, settings: IngestEmailSettings, receiver: Receiver) -> None:
        super().__init__()
        self._settings = settings
        self._handler = MailHandler(
            receiver=receiver,
            domains=settings.accepted_domains,
            max_bytes=settings.max_bytes,
            resolver=sender_resolver(settings),
        )
        self._tls = tls_context(settings)
        self.port: int | None = None

    def _protocol(self) -> SMTP:
        options: dict[str, Any] = {
            "data_size_limit": self._settings.max_bytes,
            "hostname": min(self._settings.accepted_domains, default="localhost"),
            "ident": "complaints ingest_email",
            "decode_data": False,
            "enable_SMTPUTF8": True,
        }
        if self._tls is not None:
            options["tls_context"] = self._tls
        return SMTP(self._handler, **options)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        host, port = self._settings.smtp_host, self._settings.smtp_port
        try:
            server = await loop.create_server(self._protocol, host=host, port=port)
        except OSError as error:
            log.error("SMTP cannot listen on %s:%d (%s): no mail is received by SMTP", host, port, error)
            return
        self.port = int(server.sockets[0].getsockname()[1])
        log.info("SMTP listening on %s:%d", self._settings.smtp_host, self.port)
        try:
            await server.serve_forever()
        finally:
            server.close()
            self.port = None
