"""Fetching the media Twilio tells us about (MMS `MediaUrlN`, call `RecordingUrl`): a GET on Twilio's API host with
the account's basic auth, following redirects to its media CDN only (shared.ingest.media)."""

from __future__ import annotations

import httpx

from ingest_sms.settings import IngestSmsSettings
from shared.events import Channel
from shared.ingest.media import Fetched, Hosts, MediaRef, RefKind, get_bytes


class TwilioMedia:
    def __init__(self, settings: IngestSmsSettings) -> None:
        self._hosts = Hosts(api=settings.twilio_api_url, cdn=settings.media_hosts())
        self._auth = (
            httpx.BasicAuth(settings.twilio_account_sid, settings.auth_token())
            if settings.sending_enabled and settings.twilio_account_sid is not None
            else None
        )

    def allows(self, channel: Channel, ref: MediaRef) -> bool:
        return self._hosts.allows(ref.value)

    def can_fetch(self, channel: Channel, ref: MediaRef) -> bool:
        """Only with the account's credentials (Twilio may require them on media URLs)."""
        return self._auth is not None and ref.kind is RefKind.URL

    async def fetch(self, http: httpx.AsyncClient, channel: Channel, ref: MediaRef, *, max_bytes: int) -> Fetched:
        return await get_bytes(
            http, ref.value, hosts=self._hosts, auth=self._auth, max_bytes=max_bytes, platform="Twilio"
        )
