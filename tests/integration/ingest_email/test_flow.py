"""The email channel with the case service consuming over the real broker: a mail delivered by SMTP opens a case,
its acknowledgement goes out through the relay (an aiosmtpd sink) and threads, the customer's replies as Gmail,
Outlook and Apple Mail build them join the same case, and a forward by someone else does not.

case_service runs in-process; these tests read it through its HTTP API only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx

from tests.integration.case_service.builders import auth as case_auth
from tests.integration.case_service.conftest import running_service
from tests.integration.ingest_email.support import SUPPORT, email_settings, running_email, smtp_send
from tests.support.polling import eventually
from tests.support.smtp_sink import Captured, SmtpSink, running_smtp_sink

CUSTOMER = "lan.nguyen@khach.vn"
FRIEND = "minh.tran@ban.vn"


@asynccontextmanager
async def platform(
    case_url: str, email_url: str, broker: str, data_dir: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, SmtpSink]]:
    async with running_smtp_sink() as sink, running_service(case_url, broker, consume_events=True) as (_, cases):
        settings = email_settings(email_url, broker, data_dir, relay_host="127.0.0.1", relay_port=sink.port)
        async with running_email(settings, consume=True) as (app, _):
            yield cases, app, sink


def mail(sender: str, subject: str, text: str, *, message_id: str, headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message.as_bytes()


async def case_of(cases: httpx.AsyncClient, contact: str, *, messages: int) -> list[dict[str, Any]]:
    """The customer's cases (with their messages) once `messages` of their mails are stored."""

    async def probe() -> list[dict[str, Any]] | None:
        answer = await cases.get("/v1/customers", params={"contact": contact}, headers=case_auth())
        if answer.status_code != 200:
            return None
        body = answer.json()
        inbound = [m for m in body["messages"] if m["direction"] == "inbound"]
        if len(inbound) < messages:
            return None
        details = []
        for summary in body["cases"]:
            detail = await cases.get(f"/v1/cases/{summary['id']}", headers=case_auth())
            details.append(detail.json())
        return details

    return await eventually(probe, within=40, what=f"{messages} mails of {contact} stored")


async def sent_to(sink: SmtpSink, address: str, count: int) -> list[Captured]:
    async def probe() -> list[Captured] | None:
        found = [captured for captured in sink.messages if address in captured.rcpt_tos]
        return found if len(found) >= count else None

    return await eventually(probe, within=40, what=f"{count} mails to {address}")


async def test_mail_by_smtp_opens_a_case_its_acknowledgement_threads_and_replies_from_every_client_join_it(
    database_url: str, second_migrated_url: str, broker: str, tmp_path: Path
) -> None:
    async with platform(database_url, second_migrated_url, broker, tmp_path) as (cases, app, sink):
        first_id = make_msgid(domain="khach.vn")
        await smtp_send(
            app,
            mail(
                f"Nguyễn Thị Lan <{CUSTOMER}>",
                "Đơn hàng bị giao thiếu",
                "Tôi nhận thiếu 2 sản phẩm.",
                message_id=first_id,
            ),
            mail_from=CUSTOMER,
            to=[SUPPORT],
        )
        [case] = await case_of(cases, CUSTOMER, messages=1)
        reference = case["reference"]
        [first] = [m for m in case["messages"] if m["direction"] == "inbound"]
        assert (first["subject"], first["text"], first["message_id"]) == (
            "Đơn hàng bị giao thiếu",
            "Tôi nhận thiếu 2 sản phẩm.",
            first_id,
        )

        [ack] = await sent_to(sink, CUSTOMER, 1)
        headers = ack.message
        assert headers["From"] == SUPPORT and headers["To"] == CUSTOMER
        assert headers["In-Reply-To"] == first_id
        assert headers["References"] == first_id
        assert f"[#{reference}]" in headers["Subject"]
        assert headers["Auto-Submitted"] == "auto-replied"
        assert headers["Message-ID"].endswith("@example.com>")
        assert [part.get_content_type() for part in headers.iter_parts()] == ["text/plain", "text/html"]
        ack_id = headers["Message-ID"]

        quoted = f"On Mon, 24 Nov 2026 at 09:00, Support <{SUPPORT}> wrote:\n> {reference}\n"
        gmail = mail(
            CUSTOMER,
            f"Re: {headers['Subject']}",
            f"Mã đơn là 12345.\n\n{quoted}",
            message_id=make_msgid(domain="mail.gmail.com"),
            headers={"In-Reply-To": ack_id, "References": f"{first_id} {ack_id}"},
        )
        outlook = mail(
            CUSTOMER,
            f"RE: {headers['Subject']}",
            f"Tôi gửi thêm ảnh.\n\n________________________________\nFrom: Support <{SUPPORT}>\n"
            f"Sent: Monday, November 24, 2026 9:00 AM\nTo: {CUSTOMER}\nSubject: {headers['Subject']}\n\nold",
            message_id=make_msgid(domain="outlook.com"),
            headers={"In-Reply-To": ack_id, "Thread-Topic": "Đơn hàng", "Thread-Index": "AQHZ1234567890=="},
        )
        apple = mail(
            CUSTOMER,
            f"Re: {headers['Subject']}",
            f"Cảm ơn.\n\nSent from my iPhone\n\n> On 24 Nov 2026, at 09:00, Support <{SUPPORT}> wrote:\n> old\n",
            message_id=make_msgid(domain="icloud.com"),
            headers={"References": f"{first_id} {ack_id}"},
        )
        for raw in (gmail, outlook, apple):
            await smtp_send(app, raw, mail_from=CUSTOMER, to=[SUPPORT])

        [case] = await case_of(cases, CUSTOMER, messages=4)
        inbound = [m for m in case["messages"] if m["direction"] == "inbound"]
        assert [m["text"] for m in inbound] == [
            "Tôi nhận thiếu 2 sản phẩm.",
            "Mã đơn là 12345.",
            "Tôi gửi thêm ảnh.",
            "Cảm ơn.",
        ]
        assert [m["thread_rule"] for m in inbound[1:]] == ["in_reply_to", "in_reply_to", "references"]

        forward = mail(
            FRIEND,
            f"Fwd: {headers['Subject']}",
            f"---------- Forwarded message ---------\nFrom: {CUSTOMER}\n\nTôi nhận thiếu 2 sản phẩm.",
            message_id=make_msgid(domain="ban.vn"),
            headers={"References": f"{first_id} {ack_id}", "In-Reply-To": ack_id},
        )
        await smtp_send(app, forward, mail_from=FRIEND, to=[SUPPORT])
        [other] = await case_of(cases, FRIEND, messages=1)
        assert other["id"] != case["id"]
        assert other["messages"][0]["thread_rule"] == "new_case"
