"""An agent's reply with files reaches each provider's local stand-in in that provider's format: MIME parts by email,
an MMS whose media Twilio fetches from our public link, WhatsApp media uploaded and sent by id, a Messenger
attachment, a Telegram document, Zalo uploads sent as media and file messages. What a channel cannot carry is
refused when the agent sends it (422), saying why."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

import ingest_email
import ingest_sms
import ingest_social
from ingest_email.app import create_app as create_email
from ingest_email.handlers import OutboundHandlers as EmailOutbound
from ingest_sms.app import create_app as create_sms
from ingest_sms.handlers import OutboundHandlers as SmsOutbound
from ingest_social.app import create_app as create_social
from ingest_social.handlers import OutboundHandlers as SocialOutbound
from ingest_social.models import outbox as social_outbox
from shared.cloudevents import new_event
from shared.events import AddressKind, Channel, ComplaintMessageReceived, OutboundMessageRequested
from shared.ingest.outbound import OutboundSpooler
from tests.integration.attachments.support import (
    LINK_KEY,
    PDF,
    Cases,
    case_settings,
    closed_bootstrap,
    free_port,
    migrate,
    received_events,
    served_on,
    serving_cases,
    token_auth,
)
from tests.integration.case_service.builders import envelope, received
from tests.integration.ingest_email.support import email_settings
from tests.integration.ingest_sms.support import ACCOUNT_SID, AUTH_TOKEN, sms_settings
from tests.integration.ingest_social.support import (
    META_ACCESS_TOKEN,
    TELEGRAM_BOT_TOKEN,
    ZALO_ACCESS_TOKEN,
    post_meta,
    social_settings,
)
from tests.support.databases import sqlite_url
from tests.support.fake_platforms import META, TELEGRAM, ZALO, FakePlatforms, running_fake_platforms
from tests.support.fake_twilio import FakeTwilio, running_fake_twilio
from tests.support.polling import eventually
from tests.support.smtp_sink import SmtpSink, running_smtp_sink
from tests.unit.ingest_social.samples import PHONE_NUMBER_ID, WA_ID, whatsapp_text

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


def upload(filename: str, content: bytes, content_type: str) -> dict[str, str]:
    return {"filename": filename, "content_type": content_type, "content_base64": base64.b64encode(content).decode()}


@dataclass
class Channels:
    cases: Cases
    email: FastAPI
    sms: FastAPI
    sms_url: str
    social: FastAPI
    sink: SmtpSink
    twilio: FakeTwilio
    platforms: FakePlatforms
    spoolers: dict[Channel, tuple[FastAPI, OutboundSpooler[Any]]]

    async def case_on(self, channel: Channel, kind: AddressKind, address: str) -> str:
        """A customer's message on `channel` opens a case, assigned to agent lan."""
        data = received(address, kind=kind, channel=channel, subject="Hoá đơn", text="Tôi bị tính tiền hai lần")
        case_id = await self.cases.receive(envelope(data))
        assert case_id is not None
        await self.cases.assign(case_id, "lan")
        return case_id

    async def reply(self, case_id: str, *files: dict[str, str]) -> httpx.Response:
        body = {"text": "Chúng tôi gửi quý khách hoá đơn đã điều chỉnh.", "attachments": list(files)}
        return await self.cases.client.post(f"/v1/cases/{case_id}/reply", json=body, headers=token_auth(agent_id="lan"))

    async def deliver(self, case_id: str) -> OutboundMessageRequested:
        """The reply's request handed to its channel service as the consumer would; its sender sends it."""
        [request] = [r for r in await self.cases.outbound() if r.case_id == case_id and r.purpose.value == "reply"]
        app, spooler = self.spoolers[request.channel]
        event = new_event(request, source="case_service", correlation_id="corr-files")
        async with app.state.runtime.sessions() as session, session.begin():
            await spooler.on_outbound_requested(session, event, request)
        return request


@pytest.fixture
async def channels(database_url: str, tmp_path: Path) -> AsyncIterator[Channels]:
    async with AsyncExitStack() as stack:
        sink = await stack.enter_async_context(running_smtp_sink())
        twilio = await stack.enter_async_context(running_fake_twilio(ACCOUNT_SID, AUTH_TOKEN))
        platforms = await stack.enter_async_context(
            running_fake_platforms(
                meta_token=META_ACCESS_TOKEN,
                telegram_token=TELEGRAM_BOT_TOKEN,
                zalo_token=ZALO_ACCESS_TOKEN,
                x_token="x",
            )
        )
        links = {"attachment_link_key": SecretStr(LINK_KEY)}
        urls = {name: sqlite_url(tmp_path, name) for name in ("ingest_email", "ingest_sms", "ingest_social")}
        for name, package in (
            ("ingest_email", ingest_email),
            ("ingest_sms", ingest_sms),
            ("ingest_social", ingest_social),
        ):
            await migrate(Path(package.__file__).parent, urls[name])
        email = create_email(
            email_settings(
                urls["ingest_email"],
                closed_bootstrap(),
                tmp_path / "email",
                relay_host="127.0.0.1",
                relay_port=sink.port,
                **links,
            )
        )
        sms_port = free_port()
        sms_url = f"http://127.0.0.1:{sms_port}"
        sms_conf = sms_settings(
            urls["ingest_sms"],
            closed_bootstrap(),
            twilio_api_url=twilio.url,
            public_url=sms_url,
            data_dir=tmp_path / "sms",
            **links,
        )
        sms = create_sms(sms_conf)
        social = create_social(
            social_settings(
                urls["ingest_social"], closed_bootstrap(), fake=platforms, data_dir=tmp_path / "social", **links
            )
        )
        for app in (email, sms, social):
            app.state.runtime.consumer = None
        await stack.enter_async_context(email.router.lifespan_context(email))
        await stack.enter_async_context(served_on(sms, sms_port))
        await stack.enter_async_context(social.router.lifespan_context(social))
        cases_port = free_port()
        settings = case_settings(database_url, tmp_path / "cases", {}, public_base_url=f"http://127.0.0.1:{cases_port}")
        cases = await stack.enter_async_context(serving_cases(settings, cases_port))
        email_outbound = EmailOutbound(email.state.settings, wake_sender=email.state.sender.wake)
        social_outbound = SocialOutbound(wake_sender=social.state.sender.wake)
        spoolers: dict[Channel, tuple[FastAPI, OutboundSpooler[Any]]] = {
            Channel.EMAIL: (email, email_outbound),
            Channel.SMS: (sms, SmsOutbound(sms_conf, wake_sender=sms.state.sender.wake)),
            **{
                channel: (social, social_outbound)
                for channel in (Channel.WHATSAPP, Channel.MESSENGER, Channel.TELEGRAM, Channel.ZALO, Channel.X)
            },
        }
        yield Channels(cases, email, sms, sms_url, social, sink, twilio, platforms, spoolers)


async def arrives(what: str, found: Callable[[], Any]) -> Any:
    async def probe() -> Any:
        return found()

    return await eventually(probe, what=what)


async def test_an_emailed_reply_carries_the_file_as_a_mime_part(channels: Channels) -> None:
    case_id = await channels.case_on(Channel.EMAIL, AddressKind.EMAIL, "khach.hang@example.com")
    answer = await channels.reply(case_id, upload("hoá đơn.pdf", PDF, "application/pdf"))
    assert answer.status_code == 200, answer.text
    [reply] = [m for m in answer.json()["messages"] if m["purpose"] == "reply"]
    [kept] = reply["attachments"]
    assert (kept["store"], kept["sha256"]) == ("case_service", hashlib.sha256(PDF).hexdigest())
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(kept["download_url"])).content == PDF  # the agent opens what they sent

    await channels.deliver(case_id)
    [mail] = await arrives(
        "the mail at the relay", lambda: [m for m in channels.sink.messages if "khach.hang@example.com" in m.rcpt_tos]
    )
    message = mail.message
    assert message.get_content_type() == "multipart/mixed"
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == ("hoá đơn.pdf", "application/pdf", PDF)
    assert "hoá đơn đã điều chỉnh" in message.get_body(("plain",)).get_content()


async def test_an_sms_reply_goes_as_an_mms_whose_media_twilio_fetches_from_our_public_link(channels: Channels) -> None:
    case_id = await channels.case_on(Channel.SMS, AddressKind.PHONE, "+84903123456")
    assert (await channels.reply(case_id, upload("ảnh.jpg", JPEG, "image/jpeg"))).status_code == 200
    await channels.deliver(case_id)
    [mms] = await arrives("the MMS at Twilio", lambda: channels.twilio.messages)
    [url] = mms.media_urls
    assert url.startswith(f"{channels.sms_url}/v1/attachments/{hashlib.sha256(JPEG).hexdigest()}?")
    assert mms.media == ((200, "image/jpeg", JPEG),)
    assert mms.body == "Chúng tôi gửi quý khách hoá đơn đã điều chỉnh."


async def test_whatsapp_uploads_the_file_and_sends_it_by_media_id_before_the_text(channels: Channels) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(channels.social), base_url="http://social") as http:
        assert (
            await post_meta(http, whatsapp_text("wamid.FILES1", "Gửi giúp tôi hoá đơn", timestamp=int(time.time())))
        ).status_code == 200
    [event] = await received_events(channels.social.state.runtime.sessions, social_outbox)
    case_id = await channels.cases.receive(event)
    assert case_id is not None
    await channels.cases.assign(case_id, "lan")
    assert (await channels.reply(case_id, upload("hoa-don.pdf", PDF, "application/pdf"))).status_code == 200
    await channels.deliver(case_id)
    document, text = await arrives(
        "both WhatsApp messages",
        lambda: channels.platforms.sent(META) if len(channels.platforms.sent(META)) == 2 else None,
    )
    assert document.path == f"/{PHONE_NUMBER_ID}/messages"
    assert (document.body["type"], document.body["to"]) == ("document", WA_ID)
    media_id = document.body["document"]["id"]
    assert channels.platforms.uploads[media_id] == ("hoa-don.pdf", "application/pdf", PDF)
    assert document.body["document"]["filename"] == "hoa-don.pdf"
    assert text.body["type"] == "text"


async def test_messenger_telegram_and_zalo_get_the_files_in_their_own_formats(channels: Channels) -> None:
    messenger = await channels.case_on(Channel.MESSENGER, AddressKind.MESSENGER, "6001")
    telegram = await channels.case_on(Channel.TELEGRAM, AddressKind.TELEGRAM, "123456789")
    zalo = await channels.case_on(Channel.ZALO, AddressKind.ZALO, "2468013579")
    for case_id, files in (
        (messenger, [upload("anh.jpg", JPEG, "image/jpeg")]),
        (telegram, [upload("bien-lai.pdf", PDF, "application/pdf")]),
        (zalo, [upload("anh.jpg", JPEG, "image/jpeg"), upload("hoa-don.pdf", PDF, "application/pdf")]),
    ):
        assert (await channels.reply(case_id, *files)).status_code == 200
        await channels.deliver(case_id)

    fake = channels.platforms
    image, _ = await arrives("the Messenger messages", lambda: fake.sent(META) if len(fake.sent(META)) == 2 else None)
    assert image.body["message"]["attachment"]["type"] == "image"
    assert (image.body["recipient"], image.files) == ({"id": "6001"}, (("anh.jpg", "image/jpeg", JPEG),))

    document, _ = await arrives(
        "the Telegram messages", lambda: fake.sent(TELEGRAM) if len(fake.sent(TELEGRAM)) == 2 else None
    )
    assert (document.path, document.body["chat_id"]) == ("/sendDocument", "123456789")
    assert document.files == (("bien-lai.pdf", "application/pdf", PDF),)

    media, file, _ = await arrives("the Zalo messages", lambda: fake.sent(ZALO) if len(fake.sent(ZALO)) == 3 else None)
    [element] = media.body["message"]["attachment"]["payload"]["elements"]
    assert element["media_type"] == "image"
    assert fake.uploads[element["attachment_id"]] == ("anh.jpg", "image/jpeg", JPEG)
    token = file.body["message"]["attachment"]["payload"]["token"]
    assert fake.uploads[token] == ("hoa-don.pdf", "application/pdf", PDF)


async def test_what_a_channel_cannot_carry_is_refused_when_the_agent_sends_it(channels: Channels) -> None:
    x_case = await channels.case_on(Channel.X, AddressKind.X, "98765")
    zalo = await channels.case_on(Channel.ZALO, AddressKind.ZALO, "1357924680")
    email = await channels.case_on(Channel.EMAIL, AddressKind.EMAIL, "an@example.com")

    refused = await channels.reply(x_case, upload("a.pdf", PDF, "application/pdf"))
    assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[1]) == (422, "attachment-not-deliverable")
    assert "x channel cannot carry files" in refused.json()["detail"]

    refused = await channels.reply(zalo, upload("kho.zip", b"PK\x03\x04zip", "application/zip"))
    assert refused.status_code == 422 and "Zalo cannot carry kho.zip" in refused.json()["detail"]
    big = await channels.reply(zalo, upload("lon.jpg", JPEG * 1200, "image/jpeg"))
    assert big.status_code == 422 and "up to 1000000 bytes" in big.json()["detail"]

    program = await channels.reply(email, upload("setup.exe", b"MZ\x90\x00", "application/octet-stream"))
    assert (program.status_code, program.json()["reason"]) == (422, "a type that is not accepted")
    unknown = await channels.reply(email, {"sha256": "0" * 64})
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[1]) == (422, "attachment-unknown")
    assert [r for r in await channels.cases.outbound() if r.purpose.value == "reply"] == []


async def test_a_file_the_customer_sent_can_be_sent_back_by_its_sha256(channels: Channels, tmp_path: Path) -> None:
    data = received("khach@example.com", kind=AddressKind.EMAIL, channel=Channel.EMAIL)
    sha = hashlib.sha256(PDF).hexdigest()
    attachment = {
        "filename": "don.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": sha,
        "store": "case_service",
    }
    data = ComplaintMessageReceived.model_validate({**data.model_dump(), "attachments": [attachment]})
    channels.cases.app.state.store.put(sha, PDF)
    case_id = await channels.cases.receive(envelope(data))
    assert case_id is not None
    await channels.cases.assign(case_id, "lan")
    assert (await channels.reply(case_id, {"sha256": sha})).status_code == 200
    await channels.deliver(case_id)
    [mail] = await arrives("the mail", lambda: [m for m in channels.sink.messages if "khach@example.com" in m.rcpt_tos])
    [part] = list(mail.message.iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("don.pdf", PDF)
