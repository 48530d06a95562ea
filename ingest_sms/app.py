"""Composition root of ingest_sms."""

from __future__ import annotations

from functools import partial

from fastapi import Depends, FastAPI
from twilio.request_validator import RequestValidator

from ingest_sms import api
from ingest_sms.authors import require_note_author
from ingest_sms.handlers import OutboundHandlers
from ingest_sms.housekeeping import CallSweeper
from ingest_sms.media import TwilioMedia
from ingest_sms.models import Base, MediaDownload
from ingest_sms.send import SmsSender, TwilioMessages
from ingest_sms.settings import SERVICE_NAME, IngestSmsSettings
from shared.ingest.service import channel_service

NAME = SERVICE_NAME


def create_app(settings: IngestSmsSettings) -> FastAPI:
    service = channel_service(
        name=NAME,
        title="SMS and phone ingest",
        settings=settings,
        metadata=Base.metadata,
        spooler=OutboundHandlers(settings),
        sender=partial(SmsSender, settings=settings, messages=TwilioMessages(settings)),
        notes=startup_notes(settings),
        media=(MediaDownload, TwilioMedia(settings)) if settings.fetch_media else None,
        attachment_max_bytes=settings.attachment_max_bytes,
    )
    service.runtime.add_task(CallSweeper(sessions=service.runtime.sessions))
    app = service.app
    app.state.edge = api.Edge(
        settings=settings,
        intake=service.intake,
        validator=RequestValidator(settings.auth_token()) if settings.twilio_enabled else None,
        media=service.media,
    )
    app.include_router(api.twilio)
    # People with their tokens (or the admin key), and CTI systems with keys of their own, valid here only.
    authors = Depends(require_note_author(settings, cti_key_hashes=settings.accepted_cti_key_hashes()))
    app.include_router(api.phone_notes, dependencies=[authors])
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
