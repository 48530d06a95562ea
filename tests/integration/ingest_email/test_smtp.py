"""The SMTP listener's answers: mail for other domains refused (550), oversized mail refused (552), unreadable mail
accepted and kept as a dead letter, a bounce of our own mail recorded as that mail's delivery failure."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_email.models import SentEmail
from shared.ingest import spool
from tests.integration.ingest_email.support import SUPPORT, email_settings, outbox_events, running_email, smtp_send
from tests.support.broker import free_port

CLOSED = f"127.0.0.1:{free_port()}"  # no broker: everything stays in the outbox, where the tests read it


async def test_mail_for_another_domain_is_refused_with_550(migrated_url: str, tmp_path: Path) -> None:
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, _):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await smtp_send(app, b"From: a@b.vn\r\n\r\nhi", mail_from="a@b.vn", to=["someone@elsewhere.org"])
        assert refused.value.recipients["someone@elsewhere.org"][0] == 550
        assert await outbox_events(app) == []


async def test_a_message_over_the_size_limit_is_refused_with_552(migrated_url: str, tmp_path: Path) -> None:
    settings = email_settings(migrated_url, CLOSED, tmp_path, max_bytes=2048)
    async with running_email(settings) as (app, _):
        big = b"From: a@b.vn\r\nSubject: big\r\n\r\n" + b"x" * 4000 + b"\r\n"
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            await smtp_send(app, big, mail_from="a@b.vn", to=[SUPPORT])
        assert refused.value.smtp_code == 552
        assert await outbox_events(app) == []


async def test_a_mail_without_any_sender_is_kept_as_a_dead_letter_with_the_reason(
    migrated_url: str, tmp_path: Path
) -> None:
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, _):
        raw = b"Subject: nobody\r\n\r\nno From anywhere\r\n"
        # The envelope's null sender (<>) is all the transaction says of who sent it.
        await smtp_send(app, raw, mail_from="", to=[SUPPORT])
        [letter] = await outbox_events(app)
        assert letter["_topic"] == "deadletter.v1"
        assert letter["data"]["source_topic"] == "ingest_email.smtp"
        assert "no sender address" in letter["data"]["reason"]
        assert "no From anywhere" in letter["data"]["value"]


async def test_a_bounce_of_our_own_mail_is_its_delivery_failure_not_a_complaint(
    migrated_url: str, tmp_path: Path
) -> None:
    outbound_id = "6c1f3a52-9d0e-4b7a-8f21-0c4d5e6f7a8b"
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, _):
        now = datetime.now(UTC)
        async with app.state.runtime.sessions() as session, session.begin():
            session.add(
                SentEmail(
                    outbound_id=outbound_id,
                    case_id="case-1",
                    channel="email",
                    purpose="acknowledgement",
                    to_address="gone@khach.vn",
                    from_address=SUPPORT,
                    subject="[#C-2026-000001]",
                    body="ack",
                    language="vi",
                    message_id=f"<{outbound_id}@example.com>",
                    in_reply_to=None,
                    references="",
                    status=spool.SENT,
                    attempts=1,
                    next_attempt_at=now,
                    requested_at=now,
                    updated_at=now,
                )
            )
        bounce = (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
            "To: support@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Auto-Submitted: auto-replied\r\nMessage-ID: <bounce1@mx.example.com>\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
            "Final-Recipient: rfc822; gone@khach.vn\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: {SUPPORT}\r\nTo: gone@khach.vn\r\nMessage-ID: <{outbound_id}@example.com>\r\n"
            "--B--\r\n"
        ).encode()
        await smtp_send(app, bounce, mail_from="", to=[SUPPORT])
        [report] = await outbox_events(app)
        assert report["type"] == "outbound.delivery_reported.v1"
        assert (report["data"]["outbound_id"], report["data"]["status"]) == (outbound_id, "failed")
        assert "5.1.1" in report["data"]["error"]
