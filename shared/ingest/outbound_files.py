"""The files of a reply, as a channel service sends them: the request carries each file's metadata and a signed
link to the service that stores it (case_service for an agent's upload, or the store of a file the customer sent);
the sender fetches the bytes when it sends (a file in its own store is read from there), checks they are the file the
request names (its sha256), and hands them to its provider.

A file the link no longer serves (expired, gone) fails the delivery for good with that reason; a store that does not
answer is tried again later, like a provider that does not answer. Before anything is fetched the channel's limits
(shared.channel_media) are checked, so what the channel cannot carry fails at once, saying why.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from shared.attachments import AttachmentStore, is_sha256, media_type
from shared.channel_media import File, cannot_carry
from shared.events import Channel
from shared.ingest.sender import SendFailed

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def check_carriage(channel: Channel, attachments: Sequence[Mapping[str, Any]]) -> None:
    """Raises a permanent SendFailed when the channel cannot carry the files (shared.channel_media)."""
    files = [
        File(
            filename=item.get("filename"),
            content_type=media_type(item.get("content_type")),
            size=int(item.get("size") or 0),
        )
        for item in attachments
    ]
    reason = cannot_carry(channel, files)
    if reason is not None:
        raise SendFailed(f"not sent: {reason}", permanent=True)


async def fetch_files(
    attachments: Sequence[Mapping[str, Any]], *, store: AttachmentStore | None = None, store_name: str | None = None
) -> list[OutgoingFile]:
    """The bytes of each file; raises SendFailed (permanent when the file cannot be had any more)."""
    if not attachments:
        return []
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False, follow_redirects=False) as http:
        return [await _one(http, item, store=store, store_name=store_name) for item in attachments]


async def _one(
    http: httpx.AsyncClient, item: Mapping[str, Any], *, store: AttachmentStore | None, store_name: str | None
) -> OutgoingFile:
    sha256 = str(item.get("sha256") or "")
    name = str(item.get("filename") or f"file-{sha256[:12]}")
    if not is_sha256(sha256):
        raise SendFailed(f"not sent: {name} has no stored file", permanent=True)
    local = store.find(sha256) if store is not None and item.get("store") == store_name else None
    if local is not None:
        content = await asyncio.to_thread(local.read_bytes)
    else:
        content = await _download(http, item, name)
    if hashlib.sha256(content).hexdigest() != sha256:
        raise SendFailed(f"not sent: {name} is not the file the reply named", permanent=True)
    return OutgoingFile(
        filename=name, content_type=media_type(item.get("content_type")), content=content, sha256=sha256
    )


async def _download(http: httpx.AsyncClient, item: Mapping[str, Any], name: str) -> bytes:
    url = item.get("download_url")
    if not isinstance(url, str) or not url:
        raise SendFailed(
            f"not sent: no link to {name} (ATTACHMENT_LINK_KEY or its store's address is missing)", permanent=True
        )
    try:
        response = await http.get(url)
    except httpx.HTTPError as error:
        raise SendFailed(f"the store of {name} did not answer: {type(error).__name__}", permanent=False) from error
    if response.status_code == 404:
        raise SendFailed(f"not sent: {name} is no longer available (its link expired)", permanent=True)
    if response.status_code != 200:
        raise SendFailed(
            f"the store of {name} answered HTTP {response.status_code}", permanent=response.status_code < 500
        )
    return response.content


__all__ = ["OutgoingFile", "check_carriage", "fetch_files"]
