"""Composition root of ingest_social."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from ingest_social import api
from ingest_social.delivery import DeliveryNews
from ingest_social.handlers import OutboundHandlers
from ingest_social.media import SocialMedia
from ingest_social.models import Base, MediaDownload
from ingest_social.send import SocialSender, platforms
from ingest_social.settings import SERVICE_NAME, IngestSocialSettings
from shared.events import Channel
from shared.ingest.service import channel_service

NAME = SERVICE_NAME


def create_app(settings: IngestSocialSettings) -> FastAPI:
    service = channel_service(
        name=NAME,
        title="Social channels ingest",
        settings=settings,
        metadata=Base.metadata,
        spooler=OutboundHandlers(),
        sender=partial(SocialSender, settings=settings),
        notes=startup_notes(settings),
        media=(MediaDownload, SocialMedia(settings)) if settings.fetch_media else None,
        attachment_max_bytes=settings.attachment_max_bytes,
    )
    app = service.app
    app.state.edge = api.Edge(
        settings=settings, intake=service.intake, news=DeliveryNews(settings.tenant), media=service.media
    )
    app.include_router(api.webhooks)
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
