"""Composition root of ingest_sms."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from twilio.request_validator import RequestValidator

from ingest_sms import api
from ingest_sms.handlers import OutboundHandlers
from ingest_sms.housekeeping import CallSweeper
from ingest_sms.intake import Intake
from ingest_sms.models import Base, outbox
from ingest_sms.send import SmsSender, TwilioMessages
from ingest_sms.settings import SERVICE_NAME, IngestSmsSettings
from shared import topics
from shared.auth import Role, require_roles
from shared.db import is_sqlite
from shared.ingest.notes import serve_startup_notes
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

NAME = SERVICE_NAME


def create_app(settings: IngestSmsSettings) -> FastAPI:
    handlers = OutboundHandlers(settings)
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.OUTBOUND_MESSAGES,),
        handlers=handlers.mapping(),
    )
    sender = SmsSender(
        settings=settings,
        sessions=runtime.sessions,
        messages=TwilioMessages(settings),
        skip_locked=not is_sqlite(runtime.database_url),
        on_reported=runtime.relay.wake,
    )
    handlers.wake_sender = sender.wake
    runtime.add_task(sender)
    runtime.add_task(CallSweeper(sessions=runtime.sessions))

    app = new_service_app(title="SMS and phone ingest", settings=settings, runtime=runtime)
    app.state.settings = settings
    app.state.sender = sender
    app.state.edge = api.Edge(
        settings=settings,
        intake=Intake(
            sessions=runtime.sessions,
            bus=runtime.bus,
            wake_relay=runtime.relay.wake,
            outbox=outbox,
            source=SERVICE_NAME,
            tenant=settings.tenant,
        ),
        validator=RequestValidator(settings.auth_token()) if settings.twilio_enabled else None,
    )
    app.include_router(api.twilio)
    people = Depends(require_roles(settings, Role.ADMIN, Role.SUPERVISOR, Role.AGENT))
    app.include_router(api.phone_notes, dependencies=[people])

    serve_startup_notes(app, runtime, startup_notes(settings))
    return app


def startup_notes(settings: IngestSmsSettings) -> list[str]:
    if not settings.twilio_enabled:
        return ["Twilio endpoints disabled (404): INGEST_SMS_TWILIO_AUTH_TOKEN is not set; SMS replies are not sent"]
    notes = []
    if not settings.sending_enabled:
        notes.append("SMS replies are not sent: INGEST_SMS_TWILIO_ACCOUNT_SID is not set")
    if settings.public_url is None:
        notes.append(
            "INGEST_SMS_PUBLIC_URL is not set: signatures are checked against the URL as received (fails behind a "
            "proxy) and sent SMS get no status callbacks"
        )
    return notes
