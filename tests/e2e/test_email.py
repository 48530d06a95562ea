"""The email channel through `python -m services run`: a mail delivered by SMTP to ingest_email's listener opens a
case, and its acknowledgement leaves through the configured relay (an aiosmtpd sink) threaded to the mail."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import httpx

from tests.e2e.launcher import Launchers
from tests.support.broker import free_port
from tests.support.polling import eventually
from tests.support.smtp_sink import Captured, running_smtp_sink

CUSTOMER = "lan.nguyen@khach.vn"


async def test_a_mail_by_smtp_is_acknowledged_through_the_relay(launchers: Launchers) -> None:
    smtp_port = free_port()
    async with running_smtp_sink() as sink:
        launcher = await launchers.start(
            services=["ingest_email", "case_service"],
            INGEST_EMAIL_SMTP_PORT=str(smtp_port),
            INGEST_EMAIL_RELAY_HOST="127.0.0.1",
            INGEST_EMAIL_RELAY_PORT=str(sink.port),
        )
        await launcher.wait_ready(["ingest_email", "case_service"])
        assert "Email replies are not sent" not in launcher.output()
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = CUSTOMER, "support@example.com", "Hàng bị hỏng"
        mail["Message-ID"] = "<e2e-1@khach.vn>"
        mail.set_content("Hộp bị móp.")

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
                client.send_message(mail)

        await asyncio.to_thread(send)

        async def acknowledged() -> list[Captured] | None:
            return sink.messages or None

        [ack] = await eventually(acknowledged, within=60, what="the acknowledgement at the relay")
        headers = {"Authorization": f"Bearer {launcher.admin_key()}"}
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            cases = launcher.url("case_service")
            customer = (await client.get(f"{cases}/v1/customers", params={"contact": CUSTOMER}, headers=headers)).json()
        [case] = customer["cases"]
        assert ack.rcpt_tos == (CUSTOMER,)
        assert ack.message["In-Reply-To"] == "<e2e-1@khach.vn>"
        assert f"[#{case['reference']}]" in ack.message["Subject"]
