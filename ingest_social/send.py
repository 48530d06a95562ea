"""Sending replies on every platform from the spool the outbound handler fills (the loop, leases and at-most-once
sending are shared.ingest.sender's); each platform's API call is its package's send.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingest_social import repository, window
from ingest_social.delivery import provider_of, reporter
from ingest_social.meta.send import MetaMessages
from ingest_social.models import SocialMessage
from ingest_social.settings import SERVICE_NAME, IngestSocialSettings, secret
from ingest_social.telegram.send import TelegramMessages
from ingest_social.x.send import XMessages
from ingest_social.zalo.send import ZaloMessages
from shared.attachments import AttachmentStore, store_root
from shared.events import Channel, DeliveryStatus
from shared.ingest.outbound_files import OutgoingFile, check_carriage, fetch_files
from shared.ingest.sender import SendFailed, Sent, SpoolSender

REQUEST_TIMEOUT_SECONDS = 20.0


class PlatformMessages(Protocol):
    @property
    def not_configured(self) -> str | None:
        """Why nothing can be sent on the platform (a token is missing), or None."""

    async def send(
        self, http: httpx.AsyncClient, message: SocialMessage, files: Sequence[OutgoingFile] = ()
    ) -> Sent: ...


def platforms(settings: IngestSocialSettings) -> dict[Channel, PlatformMessages]:
    meta = MetaMessages(
        api_url=settings.meta_graph_url,
        token=secret(settings.meta_access_token),
        default_phone_number_id=settings.whatsapp_phone_number_id,
    )
    return {
        Channel.MESSENGER: meta,
        Channel.INSTAGRAM: meta,
        Channel.WHATSAPP: meta,
        Channel.TELEGRAM: TelegramMessages(
            api_url=settings.telegram_api_url, token=secret(settings.telegram_bot_token)
        ),
        Channel.ZALO: ZaloMessages(api_url=settings.zalo_api_url, token=secret(settings.zalo_access_token)),
        Channel.X: XMessages(api_url=settings.x_api_url, token=secret(settings.x_access_token)),
    }


class SocialSender(SpoolSender[SocialMessage]):
    """Sends the spooled replies that are due; wake it after spooling one to send it at once."""

    task_name = "social-sender"

    def __init__(
        self,
        *,
        settings: IngestSocialSettings,
        sessions: async_sessionmaker[AsyncSession],
        skip_locked: bool,
        on_reported: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__(
            model=SocialMessage,
            sessions=sessions,
            reporter=reporter(settings.tenant),
            skip_locked=skip_locked,
            enabled=True,
            on_reported=on_reported,
            poll_seconds=poll_seconds,
        )
        self._settings = settings
        self._platforms = platforms(settings)
        self._http: httpx.AsyncClient | None = None
        self._store = AttachmentStore(store_root(settings.data_dir, SERVICE_NAME))

    async def open(self) -> None:
        self._http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def channel_of(self, message: SocialMessage) -> Channel:
        return Channel(message.channel)

    def provider_of(self, message: SocialMessage) -> str:
        return provider_of(Channel(message.channel))

    async def refusal(self, session: AsyncSession, message: SocialMessage) -> tuple[DeliveryStatus, str] | None:
        """Not configured, or a WhatsApp customer whose 24-hour window has closed: reported, never sent."""
        not_configured = self._platforms[Channel(message.channel)].not_configured
        if not_configured is not None:
            return DeliveryStatus.FAILED, not_configured
        if message.channel == Channel.WHATSAPP.value:
            hours = self._settings.whatsapp_window_hours
            last = await repository.last_inbound(session, wa_number=message.recipient)
            if not window.is_open(last, now=datetime.now(UTC), hours=hours):
                return DeliveryStatus.FAILED, window.outside_window_error(hours)
        return None

    async def deliver(self, message: SocialMessage) -> Sent:
        if self._http is None:
            raise SendFailed("the HTTP client is not started", permanent=False)
        channel = Channel(message.channel)
        files: list[OutgoingFile] = []
        if message.attachments:
            check_carriage(channel, message.attachments)
            files = await fetch_files(message.attachments, store=self._store, store_name=SERVICE_NAME)
        return await self._platforms[channel].send(self._http, message, files)

    def on_sent(self, message: SocialMessage, sent: Sent) -> None:
        message.provider_message_id = sent.provider_message_id

    def provider_message_id_of(self, message: SocialMessage) -> str | None:
        return message.provider_message_id
