"""Signed download links to the files of a case's messages: whoever may see the case (an agent it is assigned to, a
supervisor, an admin, or the customer on their status page) gets, with each stored file, a short-lived link to the
service that stores it (shared.attachment_links), which serves it without asking us again.

A file's store is named in its metadata (`store`); events from before that field existed name none, and only
ingest_email stored files then. A file with no sha256 (a provider URL that was never downloaded), a store whose
address is not configured (CASE_SERVICE_ATTACHMENT_STORES) or no ATTACHMENT_LINK_KEY gives `download_url: null`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from case_service.settings import CaseServiceSettings
from shared.attachment_links import Link
from shared.attachments import is_sha256

LEGACY_STORE = "ingest_email"
FIELD = "download_url"


@dataclass(frozen=True)
class DownloadLinks:
    stores: Mapping[str, str]  # store name -> base URL
    key: str | None
    ttl: timedelta

    def with_links(
        self, case_id: str, attachments: Iterable[Mapping[str, Any]], *, now: datetime
    ) -> list[dict[str, Any]]:
        """`attachments` (as a message keeps them), each with its `download_url` (or null)."""
        return [{**attachment, FIELD: self.url(case_id, attachment, now=now)} for attachment in attachments]

    def url(
        self, case_id: str, attachment: Mapping[str, Any], *, now: datetime, ttl: timedelta | None = None
    ) -> str | None:
        sha256 = attachment.get("sha256")
        if self.key is None or not isinstance(sha256, str) or not is_sha256(sha256):
            return None
        store = attachment.get("store") or LEGACY_STORE
        base_url = self.stores.get(store)
        if base_url is None:
            return None
        link = Link(
            store=store,
            sha256=sha256,
            case=case_id,
            exp=int((now + (ttl or self.ttl)).timestamp()),
            name=str(attachment.get("filename") or ""),
            content_type=str(attachment.get("content_type") or ""),
        )
        return link.url(self.key, base_url=base_url)


def links_from(settings: CaseServiceSettings) -> DownloadLinks:
    return DownloadLinks(
        stores=settings.attachment_store_urls(),
        key=settings.link_key(),
        ttl=timedelta(seconds=settings.attachment_link_ttl_seconds),
    )
