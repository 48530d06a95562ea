"""Files customers send as provider references are fetched by the channel service that received them, from a local
server answering like the provider, after the webhook was answered; stored, announced to case_service and served to
the agent of the case. A URL that is not on the provider's host is never fetched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

import ingest_sms
import ingest_social
from ingest_sms.app import create_app as create_sms
from ingest_sms.models import outbox as sms_outbox
from ingest_social.app import create_app as create_social
from ingest_social.models import outbox as social_outbox
from shared.cloudevents import CloudEvent
from shared.ingest.media import NOT_THE_PROVIDERS_HOST
from tests.integration.attachments.support import (
    LINK_KEY,
    PDF,
    Cases,
    case_settings,
    closed_bootstrap,
    inbound,
    migrate,
    outbox_events,
    received_events,
    running_cases,
    served_over_http,
)
from tests.integration.ingest_sms.support import ACCOUNT_SID, AUTH_TOKEN, post_signed, sms, sms_settings
from tests.integration.ingest_social.support import (
    META_ACCESS_TOKEN,
    TELEGRAM_BOT_TOKEN,
    ZALO_ACCESS_TOKEN,
    post_meta,
    post_telegram,
    post_zalo,
    social_settings,
)
from tests.support.databases import sqlite_url
from tests.support.fake_platforms import META, ZALO, FakePlatforms, running_fake_platforms
from tests.support.fake_twilio import FakeTwilio, running_fake_twilio
from tests.support.polling import eventually
from tests.unit.ingest_social.samples import telegram_text, whatsapp_text, zalo_event

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
CUSTOMER = "+84903123456"


async def stored_event(app: FastAPI, outbox: Any) -> CloudEvent:
    """The channel service's announcement of the files it fetched, once it is in its outbox."""

    async def announced() -> CloudEvent | None:
        found = [e for e in await outbox_events(app.state.runtime.sessions, outbox) if "attachments_stored" in e.type]
        return found[0] if found else None

    return await eventually(announced, what="the fetched files to be announced")


async def opened_by_the_agent(cases: Cases, events: list[CloudEvent]) -> list[dict[str, Any]]:
    """case_service takes the message and then its files; the agent of the case reads its attachments."""
    case_id = await cases.receive(events[0])
    assert case_id is not None
    for event in events[1:]:
        await cases.receive(event)
    await cases.assign(case_id, "lan")
    [message] = inbound(await cases.case(case_id))
    return list(message["attachments"])


@dataclass
class Sms:
    app: FastAPI
    url: str
    twilio: FakeTwilio


@pytest.fixture
async def sms_service(tmp_path: Path) -> AsyncIterator[Sms]:
    url = sqlite_url(tmp_path, "ingest_sms")
    await migrate(Path(ingest_sms.__file__).parent, url)
    async with running_fake_twilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        settings = sms_settings(
            url,
            closed_bootstrap(),
            twilio_api_url=twilio.url,
            fetch_media=True,
            data_dir=tmp_path / "sms",
            attachment_link_key=SecretStr(LINK_KEY),
        )
        app = create_sms(settings)
        app.state.runtime.consumer = None
        async with served_over_http(app) as base_url:
            yield Sms(app=app, url=base_url, twilio=twilio)


async def test_mms_media_are_fetched_from_twilio_stored_and_served_to_the_agent(
    sms_service: Sms, database_url: str, tmp_path: Path
) -> None:
    twilio = sms_service.twilio
    media = {
        "NumMedia": "2",
        "MediaUrl0": twilio.add_media(JPEG, "image/jpeg"),
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://media.elsewhere.example/steal-this.jpg",
        "MediaContentType1": "image/jpeg",
    }
    async with httpx.AsyncClient(base_url=sms_service.url) as http:
        answer = await post_signed(http, "/twilio/sms", sms("MM" + "1" * 32, CUSTOMER, "ảnh hàng bị vỡ", **media))
    assert answer.status_code == 200

    announced = await stored_event(sms_service.app, sms_outbox)
    [message] = await received_events(sms_service.app.state.runtime.sessions, sms_outbox)
    assert message.data["attachments"][1]["url_refused"] == NOT_THE_PROVIDERS_HOST
    assert twilio.media_requests == 1, "only the file on Twilio's host was fetched"

    settings = case_settings(database_url, tmp_path / "cases", {"ingest_sms": sms_service.url})
    async with running_cases(settings) as cases:
        first, second = await opened_by_the_agent(cases, [message, announced])
    assert (first["store"], first["size"], first["content_type"]) == ("ingest_sms", len(JPEG), "image/jpeg")
    assert second["download_url"] is None and second["url_refused"] == NOT_THE_PROVIDERS_HOST
    async with httpx.AsyncClient() as browser:
        opened = await browser.get(first["download_url"])
    assert (opened.status_code, opened.content) == (200, JPEG)
    assert opened.headers["content-disposition"].startswith("inline;")


@dataclass
class Social:
    app: FastAPI
    url: str
    fake: FakePlatforms


@pytest.fixture
async def social_service(tmp_path: Path) -> AsyncIterator[Social]:
    url = sqlite_url(tmp_path, "ingest_social")
    await migrate(Path(ingest_social.__file__).parent, url)
    async with running_fake_platforms(
        meta_token=META_ACCESS_TOKEN, telegram_token=TELEGRAM_BOT_TOKEN, zalo_token=ZALO_ACCESS_TOKEN, x_token="x"
    ) as fake:
        settings = social_settings(
            url,
            closed_bootstrap(),
            fake=fake,
            fetch_media=True,
            data_dir=tmp_path / "social",
            attachment_link_key=SecretStr(LINK_KEY),
        )
        app = create_social(settings)
        app.state.runtime.consumer = None
        async with served_over_http(app) as base_url:
            yield Social(app=app, url=base_url, fake=fake)


def whatsapp_document(media_id: str) -> dict[str, Any]:
    document = whatsapp_text("wamid.MEDIA1", "", timestamp=1764000000)
    [message] = document["entry"][0]["changes"][0]["value"]["messages"]
    del message["text"]
    message.update(
        type="document",
        document={"id": media_id, "mime_type": "application/pdf", "filename": "hoa-don.pdf", "caption": "hóa đơn"},
    )
    return document


def telegram_document(file_id: str, size: int) -> dict[str, Any]:
    update = telegram_text(9001, 77, "")
    del update["message"]["text"]
    update["message"].update(
        caption="biên lai",
        document={
            "file_id": file_id,
            "file_unique_id": "u1",
            "file_name": "bien-lai.pdf",
            "mime_type": "application/pdf",
            "file_size": size,
        },
    )
    return update


def messenger_images(*urls: str) -> dict[str, Any]:
    attachments = [{"type": "image", "payload": {"url": url}} for url in urls]
    event = {
        "sender": {"id": "6001"},
        "recipient": {"id": "PAGE1"},
        "timestamp": 1764000000000,
        "message": {"mid": "m_media1", "attachments": attachments},
    }
    return {"object": "page", "entry": [{"id": "PAGE1", "time": 1764000000000, "messaging": [event]}]}


async def fetched(social: Social, provider_message_id: str) -> tuple[CloudEvent, CloudEvent]:
    """The message event and the announcement of its files."""
    sessions = social.app.state.runtime.sessions

    async def both_there() -> tuple[CloudEvent, CloudEvent] | None:
        events = [
            e
            for e in await outbox_events(sessions, social_outbox)
            if e.data.get("provider_message_id") == provider_message_id
        ]
        stored = [e for e in events if e.type == "complaint.attachments_stored.v1"]
        return (events[0], stored[0]) if stored else None

    return await eventually(both_there, what=f"the files of {provider_message_id}")


async def test_each_platform_s_files_are_fetched_stored_and_served_to_the_agent(
    social_service: Social, database_url: str, tmp_path: Path
) -> None:
    fake = social_service.fake
    jpeg_url = fake.cdn_url(META, JPEG, "image/jpeg")
    zalo_url = fake.cdn_url(ZALO, JPEG[::-1], "image/png")
    async with httpx.AsyncClient(base_url=social_service.url) as http:
        assert (
            await post_meta(http, whatsapp_document(fake.whatsapp_media(PDF, "application/pdf")))
        ).status_code == 200
        telegram = telegram_document(fake.telegram_file(PDF + b"tg", "application/octet-stream"), len(PDF) + 2)
        assert (await post_telegram(http, telegram)).status_code == 200
        messenger = messenger_images(jpeg_url, "https://scontent.evil.example/x.jpg")
        assert (await post_meta(http, messenger)).status_code == 200
        zalo = zalo_event(
            "user_send_image",
            {"msg_id": "zmedia1", "text": "", "attachments": [{"type": "image", "payload": {"url": zalo_url}}]},
        )
        assert (await post_zalo(http, zalo)).status_code == 200

    expected = {
        "wamid.MEDIA1": [(PDF, "application/pdf", "hoa-don.pdf")],
        "123456789:77": [(PDF + b"tg", "application/pdf", "bien-lai.pdf")],
        "m_media1": [(JPEG, "image/jpeg", None)],
        "zmedia1": [(JPEG[::-1], "image/png", None)],
    }
    settings = case_settings(database_url, tmp_path / "cases", {"ingest_social": social_service.url})
    async with running_cases(settings) as cases, httpx.AsyncClient() as browser:
        for provider_message_id, files in expected.items():
            attachments = await opened_by_the_agent(cases, list(await fetched(social_service, provider_message_id)))
            for attachment, (content, content_type, filename) in zip(attachments, files, strict=False):
                assert (attachment["store"], attachment["content_type"]) == ("ingest_social", content_type)
                if filename is not None:
                    assert attachment["filename"] == filename
                opened = await browser.get(attachment["download_url"])
                assert (opened.status_code, opened.content) == (200, content), provider_message_id
            if provider_message_id == "m_media1":
                assert attachments[1]["download_url"] is None
                assert attachments[1]["url_refused"] == NOT_THE_PROVIDERS_HOST
    assert fake.downloads == 4, "the URL off Meta's hosts was never fetched"
