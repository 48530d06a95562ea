"""Composition root of ingest_email."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from ingest_email import api
from ingest_email.attachments import AttachmentStore
from ingest_email.handlers import OutboundHandlers, reporter
from ingest_email.housekeeping import TokenSweeper
from ingest_email.models import Base, outbox
from ingest_email.receive import Receiver
from ingest_email.send import EmailSender
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from ingest_email.smtp import SmtpListener
from shared import topics
from shared.auth import require_principal
from shared.db import is_sqlite
from shared.ingest.intake import Intake
from shared.ingest.notes import serve_startup_notes
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

NAME = SERVICE_NAME


def create_app(settings: IngestEmailSettings) -> FastAPI:
    handlers = OutboundHandlers(settings)
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.OUTBOUND_MESSAGES,),
        handlers=handlers.mapping(),
    )
    sender = EmailSender(
        settings=settings,
        sessions=runtime.sessions,
        skip_locked=not is_sqlite(runtime.database_url),
        on_reported=runtime.relay.wake,
    )
    handlers.wake_sender = sender.wake
    runtime.add_task(sender)
    runtime.add_task(TokenSweeper(sessions=runtime.sessions))
    intake = Intake(
        sessions=runtime.sessions,
        bus=runtime.bus,
        wake_relay=runtime.relay.wake,
        outbox=outbox,
        source=SERVICE_NAME,
        tenant=settings.tenant,
    )
    receiver = Receiver(
        settings=settings, intake=intake, store=AttachmentStore(settings.attachments_dir), reporter=reporter(settings)
    )
    listener = SmtpListener(settings=settings, receiver=receiver)
    runtime.add_task(listener)

    app = new_service_app(title="Email ingest", settings=settings, runtime=runtime)
    app.state.settings = settings
    app.state.sender = sender
    app.state.smtp = listener
    app.state.edge = api.Edge(settings=settings, receiver=receiver)
    app.include_router(api.webhooks)
    app.include_router(api.mime, dependencies=[Depends(require_principal(settings))])
    serve_startup_notes(app, runtime, startup_notes(settings))
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
