"""Fetching the files customers send on the platforms (shared.ingest.media):

- WhatsApp: `GET {GRAPH_URL}/{media-id}` with the access token answers the file's URL (on Meta's CDN), which is
  fetched with the token too;
- Telegram: `getFile` with the file id answers its `file_path`, fetched from `{TELEGRAM_API_URL}/file/bot<token>/`;
- Messenger and Instagram: the attachment's URL (on Meta's CDN, signed: no token);
- Zalo: the attachment's URL (on Zalo's CDN: no token).

Each from the platform's API host or its CDN hosts only (INGEST_SOCIAL_META_MEDIA_HOSTS, _ZALO_MEDIA_HOSTS).
"""

from __future__ import annotations

from typing import Any

import httpx

from ingest_social.settings import IngestSocialSettings, secret
from shared.events import Channel
from shared.ingest.media import (
    NOT_THE_PROVIDERS_HOST,
    Fetched,
    FetchFailed,
    FetchRefused,
    Hosts,
    MediaRef,
    RefKind,
    get_bytes,
    get_json,
)

META_CHANNELS = frozenset({Channel.MESSENGER, Channel.INSTAGRAM, Channel.WHATSAPP})
MAX_FILE_PATH = 512


class SocialMedia:
    def __init__(self, settings: IngestSocialSettings) -> None:
        self._graph_url = settings.meta_graph_url
        self._meta_token = secret(settings.meta_access_token)
        self._meta = Hosts(api=settings.meta_graph_url, cdn=settings.meta_media(), credentials_to_cdn=True)
        self._telegram_url = settings.telegram_api_url
        self._telegram_token = secret(settings.telegram_bot_token)
        self._telegram = Hosts(api=settings.telegram_api_url)
        self._zalo = Hosts(api=settings.zalo_api_url, cdn=settings.zalo_media())

    def allows(self, channel: Channel, ref: MediaRef) -> bool:
        if ref.kind is not RefKind.URL:
            return True
        hosts = self._hosts(channel)
        return hosts is not None and hosts.allows(ref.value)

    def can_fetch(self, channel: Channel, ref: MediaRef) -> bool:
        if ref.kind is RefKind.WHATSAPP_MEDIA:
            return self._meta_token is not None
        if ref.kind is RefKind.TELEGRAM_FILE:
            return self._telegram_token is not None
        return channel in (Channel.MESSENGER, Channel.INSTAGRAM, Channel.ZALO) or (
            channel is Channel.WHATSAPP and self._meta_token is not None
        )

    async def fetch(self, http: httpx.AsyncClient, channel: Channel, ref: MediaRef, *, max_bytes: int) -> Fetched:
        if ref.kind is RefKind.WHATSAPP_MEDIA:
            return await self._whatsapp(http, ref.value, max_bytes=max_bytes)
        if ref.kind is RefKind.TELEGRAM_FILE:
            return await self._telegram_file(http, ref.value, max_bytes=max_bytes)
        hosts = self._hosts(channel)
        if hosts is None:
            raise FetchRefused(NOT_THE_PROVIDERS_HOST, url_refused=True)
        bearer = self._bearer() if channel is Channel.WHATSAPP else None
        return await get_bytes(
            http, ref.value, hosts=hosts, headers=bearer, max_bytes=max_bytes, platform=_name(channel)
        )

    def _hosts(self, channel: Channel) -> Hosts | None:
        if channel in META_CHANNELS:
            return self._meta
        return self._zalo if channel is Channel.ZALO else None

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._meta_token}"}

    async def _whatsapp(self, http: httpx.AsyncClient, media_id: str, *, max_bytes: int) -> Fetched:
        if not media_id.replace("_", "").replace("-", "").isalnum():
            raise FetchFailed("not a media id", transient=False)
        described = await get_json(
            http, f"{self._graph_url}/{media_id}", hosts=self._meta, headers=self._bearer(), platform="WhatsApp"
        )
        url = _field(described, "url")
        if url is None:
            raise FetchFailed("WhatsApp gave no URL for the media", transient=False)
        fetched = await get_bytes(
            http, url, hosts=self._meta, headers=self._bearer(), max_bytes=max_bytes, platform="WhatsApp"
        )
        return Fetched(content=fetched.content, content_type=_field(described, "mime_type") or fetched.content_type)

    async def _telegram_file(self, http: httpx.AsyncClient, file_id: str, *, max_bytes: int) -> Fetched:
        base = f"{self._telegram_url}/bot{self._telegram_token}"
        answer = await get_json(
            http, f"{base}/getFile", hosts=self._telegram, params={"file_id": file_id}, platform="Telegram"
        )
        result = answer.get("result") if isinstance(answer, dict) else None
        path = _field(result, "file_path")
        if path is None or not _relative_path(path):
            raise FetchFailed("Telegram gave no usable file_path", transient=False)
        size = result.get("file_size") if isinstance(result, dict) else None
        if isinstance(size, int) and size > max_bytes:
            raise FetchRefused(f"larger than {max_bytes} bytes")
        return await get_bytes(
            http,
            f"{self._telegram_url}/file/bot{self._telegram_token}/{path}",
            hosts=self._telegram,
            max_bytes=max_bytes,
            platform="Telegram",
        )


def _field(value: Any, name: str) -> str | None:
    found = value.get(name) if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def _relative_path(path: str) -> bool:
    """A path under the bot's file root, nothing that could leave it or name another host."""
    parts = path.split("/")
    return (
        len(path) <= MAX_FILE_PATH
        and not path.startswith("/")
        and all(part not in ("", ".", "..") for part in parts)
        and all(ch.isalnum() or ch in "._-/" for ch in path)
    )


def _name(channel: Channel) -> str:
    return {Channel.ZALO: "Zalo", Channel.WHATSAPP: "WhatsApp", Channel.INSTAGRAM: "Instagram"}.get(
        channel, "Messenger"
    )
