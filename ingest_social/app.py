"""Composition root of ingest_social."""

from __future__ import annotations

from fastapi import FastAPI

from ingest_social import api
from ingest_social.handlers import OutboundHandlers
from ingest_social.models import Base, outbox
from ingest_social.send import SocialSender, platforms
from ingest_social.settings import SERVICE_NAME, IngestSocialSettings
from shared import topics
from shared.db import is_sqlite
from shared.events import Channel
from shared.ingest.intake import Intake
from shared.ingest.notes import serve_startup_notes
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

NAME = SERVICE_NAME


def create_app(settings: IngestSocialSettings) -> FastAPI:
    handlers = OutboundHandlers()
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.OUTBOUND_MESSAGES,),
        handlers=handlers.mapping(),
    )
    sender = SocialSender(
        settings=settings,
        sessions=runtime.sessions,
        skip_locked=not is_sqlite(runtime.database_url),
        on_reported=runtime.relay.wake,
    )
    handlers.wake_sender = sender.wake
    runtime.add_task(sender)

    app = new_service_app(title="Social channels ingest", settings=settings, runtime=runtime)
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
        reporters=sender.reporters,
    )
    app.include_router(api.webhooks)
    serve_startup_notes(app, runtime, startup_notes(settings))
    return app


def startup_notes(settings: IngestSocialSettings) -> list[str]:
    """Which platforms are off (their webhook answers 404) and which cannot send replies."""
    notes = []
    webhooks = [
        ("Meta (Messenger, Instagram, WhatsApp)", "/meta/webhook", settings.meta_enabled, "META_APP_SECRET"),
        ("Telegram", "/telegram/webhook", settings.telegram_enabled, "TELEGRAM_SECRET_TOKEN"),
        ("Zalo OA", "/zalo/webhook", settings.zalo_enabled, "ZALO_OA_SECRET"),
        ("X", "/x/webhook", settings.x_enabled, "X_CONSUMER_SECRET"),
    ]
    for name, path, enabled, setting in webhooks:
        if not enabled:
            notes.append(f"{name} disabled: {path} answers 404 because INGEST_SOCIAL_{setting} is not set")
    if settings.meta_enabled and settings.meta_verify_token is None:
        notes.append("Meta's subscription handshake is refused: INGEST_SOCIAL_META_VERIFY_TOKEN is not set")
    if settings.zalo_enabled and settings.zalo_app_id is None:
        notes.append("INGEST_SOCIAL_ZALO_APP_ID is not set: Zalo events for any app id are accepted if signed")
    senders = platforms(settings)
    receiving = {
        Channel.MESSENGER: settings.meta_enabled,
        Channel.TELEGRAM: settings.telegram_enabled,
        Channel.ZALO: settings.zalo_enabled,
        Channel.X: settings.x_enabled,
    }
    for channel, enabled in receiving.items():
        reason = senders[channel].not_configured
        if enabled and reason is not None:
            notes.append(f"{reason}: no replies are sent there")
    return notes
