"""Composition root of ingest_sms."""

from __future__ import annotations

import logging

from fastapi import Depends, FastAPI
from twilio.request_validator import RequestValidator

from ingest_sms import api
from ingest_sms.handlers import OutboundHandlers
from ingest_sms.housekeeping import CallSweeper
from ingest_sms.intake import Intake
from ingest_sms.models import Base
from ingest_sms.send import SmsSender, TwilioMessages
from ingest_sms.settings import SERVICE_NAME, IngestSmsSettings
from shared import topics
from shared.auth import Role, require_roles
from shared.background import BackgroundTask
from shared.db import is_sqlite
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

NAME = SERVICE_NAME

log = logging.getLogger(__name__)


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
            sessions=runtime.sessions, bus=runtime.bus, wake_relay=runtime.relay.wake, tenant=settings.tenant
        ),
        validator=RequestValidator(settings.auth_token()) if settings.twilio_enabled else None,
    )
    app.include_router(api.twilio)
    people = Depends(require_roles(settings, Role.ADMIN, Role.SUPERVISOR, Role.AGENT))
    app.include_router(api.phone_notes, dependencies=[people])

    notes = startup_notes(settings)
    runtime.add_task(NotesAtStart(notes))

    @app.get("/startup-notes", include_in_schema=False)
    async def _startup_notes() -> dict[str, list[str]]:
        """What is switched off by configuration; the launcher prints it under its start-up table."""
        return {"notes": notes}

    return app


class NotesAtStart(BackgroundTask):
    """Logs what is switched off once the service starts (not when the app is merely built, e.g. for its docs)."""

    task_name = "startup-notes"

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self._notes = notes

    async def run(self) -> None:
        for note in self._notes:
            log.warning("%s", note)


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
