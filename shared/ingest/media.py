"""Files a customer sent that come as provider references (a WhatsApp media id, a Telegram file id, an MMS media
URL, a Messenger or Zalo attachment URL): how the channel service that received them fetches them from the provider.

Files are fetched only from the provider's own hosts: the API base URL its senders use (the exact scheme, host and
port) and the CDN names the provider serves files from (https only, the name and its subdomains). A URL anywhere
else is never fetched (the message is accepted with it dropped and `url_refused` saying why), and redirects are
followed only to those hosts. Credentials go to the API host, and to the CDN hosts only where the provider asks for
them there (WhatsApp). The jobs that fetch them after the message was accepted: shared.ingest.media_jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from shared.events import Channel

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
REQUEST_TIMEOUT_SECONDS = 30.0
NOT_THE_PROVIDERS_HOST = "not the provider's host: never fetched"


class RefKind(StrEnum):
    URL = "url"
    WHATSAPP_MEDIA = "whatsapp_media"
    TELEGRAM_FILE = "telegram_file"


@dataclass(frozen=True)
class MediaRef:
    """How to get the file at `index` of the message's attachments from the provider."""

    index: int
    kind: RefKind
    value: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind.value, "value": self.value}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> MediaRef:
        return cls(index=int(raw["index"]), kind=RefKind(raw["kind"]), value=str(raw["value"]))


@dataclass(frozen=True)
class Hosts:
    """Where a provider's files may be fetched from: `api` (its API base URL: exact scheme, host and port) and
    `cdn` names (https only; the name or a subdomain of it). `credentials_to_cdn`: the provider wants the API
    credentials on its CDN too."""

    api: str
    cdn: tuple[str, ...] = ()
    credentials_to_cdn: bool = False

    def allows(self, url: str) -> bool:
        return self.is_api(url) or self._is_cdn(url)

    def is_api(self, url: str) -> bool:
        return _origin(url) == _origin(self.api) and _origin(url) is not None

    def gets_credentials(self, url: str) -> bool:
        return self.is_api(url) or (self.credentials_to_cdn and self._is_cdn(url))

    def _is_cdn(self, url: str) -> bool:
        origin = _origin(url)
        if origin is None or origin[0] != "https":
            return False
        host = origin[1]
        return any(host == name or host.endswith("." + name) for name in self.cdn)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.rstrip(".").lower(), port or (443 if parts.scheme == "https" else 80)


def host_list(value: str) -> tuple[str, ...]:
    """A comma-separated host setting as lower-case names without dots at either end."""
    return tuple(part.strip().strip(".").lower() for part in value.split(",") if part.strip().strip("."))


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str | None = None


class FetchRefused(Exception):
    """The file will never be fetched or kept: `url_refused` when its URL is not the provider's, else too large."""

    def __init__(self, reason: str, *, url_refused: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url_refused = url_refused


class FetchFailed(Exception):
    """The provider did not give the file: `transient` when trying again later may help."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


async def get_bytes(
    http: httpx.AsyncClient,
    url: str,
    *,
    hosts: Hosts,
    max_bytes: int,
    platform: str,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
) -> Fetched:
    """The body of GET `url`, following redirects only to `hosts` (credentials only where they belong), at most
    `max_bytes`. Raises FetchRefused or FetchFailed."""
    for _ in range(MAX_REDIRECTS + 1):
        if not hosts.allows(url):
            raise FetchRefused(NOT_THE_PROVIDERS_HOST, url_refused=True)
        credentialed = hosts.gets_credentials(url)
        try:
            async with http.stream(
                "GET",
                url,
                headers=dict(headers or {}) if credentialed else {},
                auth=auth if credentialed else None,
                follow_redirects=False,
            ) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    transient = response.status_code == 429 or response.status_code >= 500
                    raise FetchFailed(f"{platform} answered HTTP {response.status_code}", transient=transient)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchRefused(f"larger than {max_bytes} bytes")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchRefused(f"larger than {max_bytes} bytes")
                    chunks.append(chunk)
                return Fetched(content=b"".join(chunks), content_type=response.headers.get("content-type"))
        except httpx.HTTPError as error:
            raise FetchFailed(f"{platform} unreachable: {type(error).__name__}", transient=True) from error
    raise FetchFailed(f"{platform} redirected more than {MAX_REDIRECTS} times", transient=False)


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    hosts: Hosts,
    platform: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> Any:
    """A provider API's JSON answer (a media id's or file id's description), same host rules."""
    if not hosts.is_api(url):
        raise FetchRefused(NOT_THE_PROVIDERS_HOST, url_refused=True)
    try:
        response = await http.get(url, headers=dict(headers or {}), params=dict(params or {}), follow_redirects=False)
    except httpx.HTTPError as error:
        raise FetchFailed(f"{platform} unreachable: {type(error).__name__}", transient=True) from error
    if response.status_code >= 400:
        transient = response.status_code == 429 or response.status_code >= 500
        raise FetchFailed(f"{platform} answered HTTP {response.status_code}", transient=transient)
    try:
        return response.json()
    except ValueError:
        raise FetchFailed(f"{platform} answered something that is not JSON", transient=False) from None


class MediaSource(Protocol):
    """How one service gets its providers' files."""

    def allows(self, channel: Channel, ref: MediaRef) -> bool:
        """Whether the reference is one to the provider's own hosts (ids always are; a URL must be)."""

    def can_fetch(self, channel: Channel, ref: MediaRef) -> bool:
        """Whether the file can be fetched at all (the provider's credentials are configured)."""

    async def fetch(self, http: httpx.AsyncClient, channel: Channel, ref: MediaRef, *, max_bytes: int) -> Fetched:
        """The file's bytes; raises FetchRefused or FetchFailed."""


__all__ = [
    "NOT_THE_PROVIDERS_HOST",
    "Fetched",
    "FetchFailed",
    "FetchRefused",
    "Hosts",
    "MediaRef",
    "MediaSource",
    "RefKind",
    "get_bytes",
    "get_json",
    "host_list",
]
