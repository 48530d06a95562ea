"""MMS media links that must never be fetched or shown as links (not http/https, a loopback, private or link-local
host, credentials in the URL) are dropped from the attachment, the message itself is kept with a note on why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.ingest_sms.support import ACCOUNT_SID, post_signed, running_sms, sms, sms_settings
from tests.integration.ingest_sms.test_webhooks import CALLER, received

Service = tuple[FastAPI, httpx.AsyncClient]
GOOD = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
BAD = [
    "javascript:alert(document.cookie)",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:8080/admin",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "https://user:secret@media.example.com/a.jpg",
    "http://[::1]/x",
    "http://10.0.0.7/x",
]


@pytest.fixture
async def service(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[Service]:
    async with running_sms(sms_settings(migrated_url, closed_bootstrap)) as running:
        yield running


async def test_unsafe_media_links_are_dropped_and_the_message_kept(service: Service) -> None:
    app, client = service
    urls = [GOOD, *BAD]
    media = {"NumMedia": str(len(urls))}
    for index, url in enumerate(urls):
        media[f"MediaUrl{index}"] = url
        media[f"MediaContentType{index}"] = "image/jpeg"

    response = await post_signed(client, "/twilio/sms", sms("MM" + "7" * 32, CALLER, "see photos", **media))

    assert response.status_code == 200, response.text
    [event] = await received(app)
    data = event["data"]
    assert data["text"] == "see photos"
    assert [a["url"] for a in data["attachments"]] == [GOOD] + [None] * len(BAD)
    assert all(a["url_refused"] for a in data["attachments"][1:])
    noted = data["metadata"]["attachment_urls_refused"]
    assert [note["attachment"] for note in noted] == list(range(1, len(urls)))
    assert not any(url in str(data) for url in BAD), "a refused link is not kept anywhere in the event"
