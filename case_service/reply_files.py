"""The files an agent sends with a reply: uploaded with it (stored here, `store: case_service`) or named by sha256
from the files already on the case (one the customer sent, say). Each goes out only when the case's channel can
carry it (shared.channel_media): what it cannot is refused before anything is written, saying why. The request the
channel service gets carries, per file, a signed link valid for a day (the sender may retry for an hour)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.downloads import DownloadLinks
from case_service.models import Case, Message
from case_service.schemas.cases import ReplyFileIn
from case_service.settings import SERVICE_NAME
from shared.attachments import Accepted, AttachmentStore, decode_upload, media_type
from shared.channel_media import File, cannot_carry
from shared.events import Channel

DELIVERY_LINK_TTL = timedelta(days=1)


class FilesRefused(Exception):
    """The files cannot go with the reply; `kind` and `title` name why (a 422 at the HTTP edge)."""

    def __init__(self, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Reference:
    sha256: str


Prepared = Accepted | Reference


@dataclass(frozen=True)
class ReplyFiles:
    store: AttachmentStore
    links: DownloadLinks
    max_count: int
    max_bytes: int

    def decoded(self, items: Sequence[ReplyFileIn]) -> list[Prepared]:
        """Uploads decoded and judged, references as they are (off the event loop: megabytes of base64). Raises
        FilesRefused (too many), or shared.attachments' Unreadable or Refused."""
        if len(items) > self.max_count:
            raise FilesRefused(
                "too-many-attachments", "Too many attachments", f"At most {self.max_count} files per reply."
            )
        return [
            Reference(item.sha256)
            if item.sha256 is not None
            else decode_upload(
                filename=item.filename,
                content_type=item.content_type,
                content_base64=item.content_base64 or "",
                max_bytes=self.max_bytes,
            )
            for item in items
        ]

    async def attach(
        self, session: AsyncSession, *, case: Case, prepared: Sequence[Prepared], now: datetime
    ) -> list[dict[str, Any]]:
        """The files' metadata as the reply keeps them (each with its delivery link); uploads stored. Raises
        FilesRefused when a reference is not a file of this case or the channel cannot carry them."""
        if not prepared:
            return []
        known = await _files_of(session, case_id=case.id)
        files: list[dict[str, Any]] = []
        for item in prepared:
            if isinstance(item, Reference):
                if item.sha256 not in known:
                    raise FilesRefused(
                        "attachment-unknown",
                        "Unknown attachment",
                        f"No stored file of this case has sha256 {item.sha256}.",
                    )
                files.append(known[item.sha256])
            else:
                files.append(
                    {
                        "filename": item.filename,
                        "content_type": item.content_type,
                        "size": item.size,
                        "sha256": item.sha256,
                        "store": SERVICE_NAME,
                    }
                )
        reason = cannot_carry(
            Channel(case.channel),
            [
                File(
                    filename=f.get("filename"),
                    content_type=media_type(f.get("content_type")),
                    size=int(f.get("size") or 0),
                )
                for f in files
            ],
        )
        if reason is not None:
            raise FilesRefused(
                "attachment-not-deliverable", "Attachment cannot be sent", f"{reason[0].upper()}{reason[1:]}."
            )
        for file in files:
            file["download_url"] = self.links.url(case.id, file, now=now, ttl=DELIVERY_LINK_TTL)
            if file["download_url"] is None:
                raise FilesRefused(
                    "attachments-unavailable",
                    "Attachments unavailable",
                    "Files cannot be sent: ATTACHMENT_LINK_KEY or the address of the service storing them is not set.",
                )
        for item in prepared:
            if isinstance(item, Accepted):
                await asyncio.to_thread(self.store.put, item.sha256, item.content)
        return files


async def _files_of(session: AsyncSession, *, case_id: str) -> dict[str, dict[str, Any]]:
    """The stored files of the case's messages, by sha256 (their metadata without any link)."""
    rows = await session.scalars(select(Message.attachments).where(Message.case_id == case_id))
    found: dict[str, dict[str, Any]] = {}
    for attachments in rows:
        for item in attachments or ():
            sha256 = item.get("sha256")
            if isinstance(sha256, str) and sha256 not in found:
                store = item.get("store") or "ingest_email"
                kept = {name: item.get(name) for name in ("filename", "content_type", "size", "sha256")}
                found[sha256] = {**kept, "store": store}
    return found
