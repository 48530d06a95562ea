"""SMS a case asks for, sent through the real twilio client to a fake Twilio, and what becomes of them reported.

The requests are handed to the outbound handler as the consumer would (same transaction shape); the consumer
itself, over the broker, is exercised by the full-path test in test_flow.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ingest_sms.handlers import NOT_CONFIGURED, OutboundHandlers
from ingest_sms.models import SentMessage
from ingest_sms.send import INTERRUPTED, NO_PUBLIC_URL
from ingest_sms.settings import IngestSmsSettings
from shared.cloudevents import CloudEvent, new_event
from shared.events import (
    AddressKind,
    AttachmentMeta,
    Channel,
    ContactAddress,
    OutboundMessageRequested,
    OutboundPurpose,
)
from tests.integration.ingest_sms.support import (
    OUR_NUMBER,
    PUBLIC_URL,
    outbox_events,
    post_signed,
    running_sms,
    sms,
    sms_settings,
)
from tests.support.fake_twilio import SERVER_ERROR, UNSUBSCRIBED, FakeTwilio
from tests.support.polling import eventually

CUSTOMER = "+84912345678"
LINK_KEY = "ingest-sms-test-attachment-link-key-0123456789"
SERVICE_SID = "MG" + "0123456789abcdef" * 2


def requested(
    *,
    to: str = CUSTOMER,
    channel: Channel = Channel.SMS,
    from_address: str | None = OUR_NUMBER,
    case_id: str = "case-1",
) -> OutboundMessageRequested:
    return OutboundMessageRequested(
        outbound_id=str(uuid.uuid4()),
        case_id=case_id,
        case_reference="C-2026-000001",
        customer_id="customer-1",
        channel=channel,
        purpose=OutboundPurpose.ACKNOWLEDGEMENT,
        to=ContactAddress(kind=AddressKind.PHONE, address=to),
        from_address=from_address,
        text="Chúng tôi đã nhận phản ánh của quý khách, mã hồ sơ C-2026-000001.",
        requested_at=datetime.now(UTC),
    )


class Outbound:
    """The running service and a way to hand it requests as its consumer would."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, settings: IngestSmsSettings, database_url: str) -> None:
        self.app, self.client, self.database_url = app, client, database_url
        self.handlers = OutboundHandlers(settings, wake_sender=app.state.sender.wake)

    async def request(self, data: OutboundMessageRequested, event: CloudEvent | None = None) -> CloudEvent:
        event = event or new_event(data, source="case_service", correlation_id="corr-1")
        async with self.app.state.runtime.sessions() as session, session.begin():
            await self.handlers.on_outbound_requested(session, event, data)
        return event

    async def reports(self) -> list[dict[str, Any]]:
        events = await outbox_events(self.app)
        return [e for e in events if e["type"] == "outbound.delivery_reported.v1"]

    async def wait_reports(self, count: int) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            reports = await self.reports()
            return reports if len(reports) >= count else None

        return await eventually(enough, what=f"{count} delivery reports")


async def started(
    migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio, **overrides: Any
) -> AsyncIterator[Outbound]:
    settings = sms_settings(migrated_url, closed_bootstrap, twilio_api_url=fake_twilio.url, **overrides)
    async with running_sms(settings) as (app, client):
        yield Outbound(app, client, settings, migrated_url)


@pytest.fixture
async def outbound(migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio) -> AsyncIterator[Outbound]:
    async for running in started(migrated_url, closed_bootstrap, fake_twilio):
        yield running


async def test_a_requested_sms_is_sent_once_from_the_number_written_to_and_reported_sent(
    outbound: Outbound, fake_twilio: FakeTwilio
) -> None:
    data = requested()
    event = await outbound.request(data)
    [report] = await outbound.wait_reports(1)
    await outbound.request(data, event)  # the same event redelivered
    await outbound.request(data)  # the same request in another envelope

    [sent] = fake_twilio.messages
    assert (sent.to, sent.from_, sent.messaging_service_sid, sent.body) == (CUSTOMER, OUR_NUMBER, None, data.text)
    assert sent.status_callback == PUBLIC_URL + "/twilio/sms/status"
    assert (report["_topic"], report["_key"], report["correlationid"]) == ("complaints.inbound.v1", "case-1", "corr-1")
    assert report["data"]["status"] == "sent"
    assert (report["data"]["outbound_id"], report["data"]["provider_message_id"]) == (data.outbound_id, sent.sid)
    assert (report["data"]["channel"], report["data"]["provider"]) == ("sms", "twilio")
    assert len(await outbound.reports()) == 1


async def test_status_callbacks_report_delivery_and_failure_once(outbound: Outbound, fake_twilio: FakeTwilio) -> None:
    await outbound.request(requested(case_id="case-a"))
    await outbound.request(requested(case_id="case-b"))
    await outbound.wait_reports(2)
    sid_of = {r["_key"]: r["data"]["provider_message_id"] for r in await outbound.reports()}
    delivered_sid, failed_sid = sid_of["case-a"], sid_of["case-b"]
    assert {delivered_sid, failed_sid} == {m.sid for m in fake_twilio.messages}

    client = outbound.client
    answers = [
        await post_signed(client, "/twilio/sms/status", {"MessageSid": delivered_sid, "MessageStatus": "sent"}),
        await post_signed(client, "/twilio/sms/status", {"MessageSid": delivered_sid, "MessageStatus": "delivered"}),
        await post_signed(client, "/twilio/sms/status", {"MessageSid": delivered_sid, "MessageStatus": "delivered"}),
        await post_signed(
            client,
            "/twilio/sms/status",
            {"MessageSid": failed_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
        ),
        await post_signed(client, "/twilio/sms/status", {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}),
    ]

    assert [answer.status_code for answer in answers] == [204] * 5
    later = (await outbound.reports())[2:]
    assert [(r["_key"], r["data"]["status"], r["data"].get("error")) for r in later] == [
        ("case-a", "delivered", None),
        ("case-b", "failed", "Twilio error 30003"),
    ]


async def test_an_opted_out_number_gets_nothing_and_the_case_hears_it_was_skipped(
    outbound: Outbound, fake_twilio: FakeTwilio
) -> None:
    await post_signed(outbound.client, "/twilio/sms", sms("SM" + "1" * 32, CUSTOMER, "STOP"))
    await outbound.request(requested())

    [report] = await outbound.wait_reports(1)
    assert (report["data"]["status"], report["data"]["error"]) == ("skipped", "the number opted out of SMS")
    assert fake_twilio.requests == 0

    await post_signed(outbound.client, "/twilio/sms", sms("SM" + "2" * 32, CUSTOMER, "START"))
    await outbound.request(requested())
    await outbound.wait_reports(2)
    assert len(fake_twilio.messages) == 1


async def test_a_refusal_by_twilio_is_reported_failed_and_an_unsubscribed_number_is_remembered(
    outbound: Outbound, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(UNSUBSCRIBED)
    await outbound.request(requested())
    [failed] = await outbound.wait_reports(1)
    await outbound.request(requested())
    [_, skipped] = await outbound.wait_reports(2)

    assert (failed["data"]["status"], failed["data"]["error"]) == (
        "failed",
        "Twilio error 21610: Attempt to send to unsubscribed recipient",
    )
    assert skipped["data"]["status"] == "skipped"
    assert (fake_twilio.requests, fake_twilio.messages) == (1, [])


async def test_a_server_error_at_twilio_is_retried(outbound: Outbound, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(SERVER_ERROR)
    await outbound.request(requested())
    [report] = await outbound.wait_reports(1)
    assert report["data"]["status"] == "sent"
    assert (fake_twilio.requests, len(fake_twilio.messages)) == (2, 1)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"to": "not-a-number"}, "the recipient is not an E.164 phone number"),
        ({"from_address": None}, "no sender: set INGEST_SMS_FROM_NUMBER or INGEST_SMS_MESSAGING_SERVICE_SID"),
    ],
)
async def test_what_cannot_be_sent_is_reported_failed_at_once(
    migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio, change: dict[str, Any], error: str
) -> None:
    async for outbound in started(migrated_url, closed_bootstrap, fake_twilio, from_number=None):
        await outbound.request(requested(**change))
        [report] = await outbound.wait_reports(1)
        assert (report["data"]["status"], report["data"]["error"]) == ("failed", error)
        assert fake_twilio.requests == 0


async def test_without_twilio_credentials_requests_are_reported_failed(
    migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio
) -> None:
    async for outbound in started(migrated_url, closed_bootstrap, fake_twilio, twilio_account_sid=None):
        await outbound.request(requested())
        [report] = await outbound.wait_reports(1)
        assert (report["data"]["status"], report["data"]["error"]) == ("failed", NOT_CONFIGURED)


async def test_a_messaging_service_sends_instead_of_a_number(
    migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio
) -> None:
    async for outbound in started(migrated_url, closed_bootstrap, fake_twilio, messaging_service_sid=SERVICE_SID):
        await outbound.request(requested())
        await outbound.wait_reports(1)
    [sent] = fake_twilio.messages
    assert (sent.messaging_service_sid, sent.from_) == (SERVICE_SID, None)


async def test_other_channels_are_not_ours(outbound: Outbound, fake_twilio: FakeTwilio) -> None:
    await outbound.request(requested(channel=Channel.EMAIL, to="an@example.com"))
    await outbound.request(requested())  # an SMS after it: once it is reported, the email would have been too
    [report] = await outbound.wait_reports(1)
    assert report["data"]["channel"] == "sms"
    assert len(fake_twilio.messages) == 1


async def test_a_message_left_sending_by_a_crash_is_reported_failed_never_sent_twice(
    outbound: Outbound, fake_twilio: FakeTwilio
) -> None:
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    async with outbound.app.state.runtime.sessions() as session, session.begin():
        session.add(
            SentMessage(
                outbound_id="out-crashed",
                case_id="case-9",
                to_number=CUSTOMER,
                from_address=OUR_NUMBER,
                body="...",
                status="sending",
                attempts=1,
                next_attempt_at=long_ago,
                requested_at=long_ago,
                updated_at=long_ago,
            )
        )

    # The sender looks for expired leases when it starts, then every minute: it may have found this one already.
    await outbound.app.state.sender.expire_leases(now=datetime.now(UTC))

    [report] = await outbound.wait_reports(1)
    assert (report["_key"], report["data"]["status"], report["data"]["error"]) == ("case-9", "failed", INTERRUPTED)
    assert fake_twilio.requests == 0


async def test_an_mms_without_a_public_url_fails_saying_mms_cannot_carry_the_file(
    migrated_url: str, closed_bootstrap: str, fake_twilio: FakeTwilio
) -> None:
    photo = AttachmentMeta(
        filename="anh.jpg",
        content_type="image/jpeg",
        size=2048,
        sha256="a" * 64,
        store="case_service",
        download_url="http://127.0.0.1:1/v1/attachments/" + "a" * 64,
    )
    async for outbound in started(
        migrated_url, closed_bootstrap, fake_twilio, public_url=None, attachment_link_key=LINK_KEY
    ):
        data = requested().model_copy(update={"attachments": (photo,)})
        await outbound.request(data)
        [report] = await outbound.wait_reports(1)
        assert report["data"]["status"] == "failed"
        assert report["data"]["error"] == NO_PUBLIC_URL
        assert "MMS cannot carry the file" in NO_PUBLIC_URL and "INGEST_SMS_PUBLIC_URL" in NO_PUBLIC_URL
        assert fake_twilio.messages == []
