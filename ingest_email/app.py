"""Composition root of ingest_email."""

from __future__ import annotations

from functools import partial

from fastapi import Depends, FastAPI

from ingest_email import api
from ingest_email.handlers import OutboundHandlers, reporter
from ingest_email.housekeeping import TokenSweeper
from ingest_email.models import Base
from ingest_email.receive import Receiver
from ingest_email.send import EmailSender
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from ingest_email.smtp import SmtpListener
from shared.auth import require_principal
from shared.ingest.service import channel_service

NAME = SERVICE_NAME


def create_app(settings: IngestEmailSettings) -> FastAPI:
    service = channel_service(
        name=NAME,
        title="Email ingest",
        settings=settings,
        metadata=Base.metadata,
        spooler=OutboundHandlers(settings),
        sender=partial(EmailSender, settings=settings),
        notes=startup_notes(settings),
        attachments_root=settings.attachments_dir,  # where it always kept them (shared.attachments)
    )
    service.runtime.add_task(TokenSweeper(sessions=service.runtime.sessions))
    receiver = Receiver(
        settings=settings,
        intake=service.intake,
        store=service.store,
        reporter=reporter(settings),
    )
    listener = SmtpListener(settings=settings, receiver=receiver)
    service.runtime.add_task(listener)

    app = service.app
    app.state.smtp = listener
    app.state.edge = api.Edge(settings=settings, receiver=receiver)
    app.include_router(api.webhooks)
    app.include_router(api.mime, dependencies=[Depends(require_principal(settings))])
    return app


def startup_notes(settings: IngestEmailSettings) -> list[str]:
    notes = []
    if settings.basic_auth() is None:
        notes.append("SendGrid and Postmark webhooks disabled (404): INGEST_EMAIL_WEBHOOK_BASIC_AUTH is not set")
    if settings.mailgun_signing_key is None:
        notes.append("Mailgun webhook disabled (404): INGEST_EMAIL_MAILGUN_SIGNING_KEY is not set")
    if not settings.sending_enabled:
        notes.append("Email replies are not sent: INGEST_EMAIL_RELAY_HOST is not set")
    if settings.tls_cert is None:
        notes.append(f"SMTP on port {settings.smtp_port} offers no STARTTLS: INGEST_EMAIL_TLS_CERT/KEY are not set")
    return notes
