"""Sender authentication through the SMTP listener and the case service over the real broker: the senders' DNS is a
local server (SPF, DKIM key and DMARC records). A mail forging a customer's From with their case reference in the
subject fails SPF and DMARC, opens a case of its own and the timeline says why; the customer's own DKIM-signed mail
with the same subject joins their case.

case_service runs in-process; these tests read it through its HTTP API only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx

from tests.integration.case_service.builders import auth as case_auth
from tests.integration.case_service.conftest import running_service
from tests.integration.ingest_email.support import SUPPORT, email_settings, running_email, smtp_send
from tests.integration.ingest_email.test_flow import case_of, mail
from tests.support.dns_server import DkimKey, Zone, dkim_key, running_dns
from tests.support.smtp_sink import SmtpSink, running_smtp_sink

DOMAIN = "khach.test"
CUSTOMER = f"lan.nguyen@{DOMAIN}"


def senders_dns(key: DkimKey) -> Zone:
    """khach.test sends only from 192.0.2.10 (SPF -all), signs with `key`, and publishes DMARC."""
    return Zone(
        {
            DOMAIN: "v=spf1 ip4:192.0.2.10 -all",
            key.record_name: key.record,
            f"_dmarc.{DOMAIN}": "v=DMARC1; p=reject",
        }
    )


@asynccontextmanager
async def platform(
    case_url: str, email_url: str, broker: str, data_dir: Path, dns: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, SmtpSink]]:
    async with running_smtp_sink() as sink, running_service(case_url, broker, consume_events=True) as (_, cases):
        settings = email_settings(
            email_url,
            broker,
            data_dir,
            relay_host="127.0.0.1",
            relay_port=sink.port,
            dns_servers=dns,
            smtp_check_sender=True,
        )
        async with running_email(settings, consume=True) as (app, _):
            yield cases, app, sink


async def test_a_forged_from_with_the_case_reference_opens_its_own_case_and_a_signed_mail_joins(
    database_url: str, second_migrated_url: str, broker: str, tmp_path: Path
) -> None:
    key = dkim_key(tmp_path, domain=DOMAIN)
    with running_dns(senders_dns(key)) as dns:
        async with platform(database_url, second_migrated_url, broker, tmp_path, dns) as (cases, app, _):
            # The customer's own mail: the listener sees 127.0.0.1 (SPF fails), but DKIM passes for khach.test.
            first = key.sign(mail(CUSTOMER, "Đơn hàng bị giao thiếu", "Tôi nhận thiếu.", message_id=make_msgid()))
            await smtp_send(app, first, mail_from=CUSTOMER, to=[SUPPORT])
            [case] = await case_of(cases, CUSTOMER, messages=1)
            reference = case["reference"]

            forged = mail(CUSTOMER, f"Re: [#{reference}]", "5", message_id=make_msgid(domain="evil.test"))
            await smtp_send(app, forged, mail_from=CUSTOMER, to=[SUPPORT])
            by_case = {found["id"]: found for found in await case_of(cases, CUSTOMER, messages=2)}
            assert len(by_case) == 2, "the forged mail joined the customer's case"
            victim = by_case[case["id"]]
            assert [m["text"] for m in victim["messages"] if m["direction"] == "inbound"] == ["Tôi nhận thiếu."]
            [other] = [found for found in by_case.values() if found["id"] != case["id"]]
            [refused] = [entry for entry in other["timeline"] if entry["kind"] == "thread_refused"]
            assert "Sender authentication failed (spf=fail, dkim=none, dmarc=fail)" in refused["detail"]["reason"]
            assert reference in refused["detail"]["reason"] and refused["detail"]["case_ids"] == [case["id"]]
            skipped = [entry for entry in other["timeline"] if entry["kind"] == "acknowledgement_skipped"]
            assert skipped and "sender authentication failed" in skipped[0]["detail"]["reason"]

            genuine = key.sign(mail(CUSTOMER, f"Re: [#{reference}]", "Còn thiếu 2 món.", message_id=make_msgid()))
            await smtp_send(app, genuine, mail_from=CUSTOMER, to=[SUPPORT])
            joined = {found["id"]: found for found in await case_of(cases, CUSTOMER, messages=3)}
            assert len(joined) == 2
            texts = [m["text"] for m in joined[case["id"]]["messages"] if m["direction"] == "inbound"]
            assert texts == ["Tôi nhận thiếu.", "Còn thiếu 2 món."]
            answer = await cases.get(f"/v1/cases/{case['id']}", headers=case_auth())
            assert [e for e in answer.json()["timeline"] if e["kind"] == "thread_refused"] == []
