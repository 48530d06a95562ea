"""The social channels with the case service consuming over the real broker: a WhatsApp message in becomes a case
(the customer found by their number or `whatsapp:` address), acknowledged on WhatsApp, and an agent's reply goes
out through (a fake) Graph API to the number the customer wrote to.

case_service runs in-process (see tests/integration/case_service/conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.integration.case_service.builders import auth as case_auth
from tests.integration.case_service.conftest import running_service
from tests.integration.ingest_social.support import post_meta, post_telegram, running_social, social_settings
from tests.support.fake_platforms import META, TELEGRAM, FakePlatforms
from tests.support.polling import eventually
from tests.unit.ingest_social.samples import PHONE_NUMBER_ID, telegram_text, whatsapp_text


@asynccontextmanager
async def platform(
    case_url: str, social_url: str, broker: str, fake: FakePlatforms
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with running_service(case_url, broker, consume_events=True) as (_, case_client):
        settings = social_settings(social_url, broker, fake=fake)
        async with running_social(settings, consume=True) as (_, social_client):
            yield case_client, social_client


async def customer_with(case_client: httpx.AsyncClient, contact: str, *, what: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await case_client.get("/v1/customers", params={"contact": contact}, headers=case_auth())
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body if any(m["direction"] == "inbound" for m in body["messages"]) else None

    return await eventually(probe, within=40, what=what)


async def test_a_whatsapp_message_becomes_a_case_and_the_agents_reply_goes_out_through_the_graph_api(
    database_url: str, second_migrated_url: str, broker: str, fake_platforms: FakePlatforms
) -> None:
    async with platform(database_url, second_migrated_url, broker, fake_platforms) as (case_client, social_client):
        now = int(time.time())
        message = whatsapp_text("wamid.FLOW1", "Tôi bị trừ tiền hai lần cho đơn hàng A1234", timestamp=now)
        assert (await post_meta(social_client, message)).status_code == 200

        customer = await customer_with(case_client, "whatsapp:+84912345678", what="the WhatsApp message stored")
        by_number = await customer_with(case_client, "0912 345 678", what="the customer found by number")
        assert by_number["id"] == customer["id"]
        assert customer["display_name"] == "Nguyễn Văn An"
        assert {(p["kind"], p["address"]) for p in customer["contact_points"]} >= {("whatsapp", "+84912345678")}
        cases = await case_client.get("/v1/cases", params={"customer_id": customer["id"]}, headers=case_auth())
        [case] = cases.json()["items"]
        assert case["channel"] == "whatsapp"

        async def acknowledged() -> list[Any] | None:
            return fake_platforms.sent(META) or None

        [ack] = await eventually(acknowledged, within=40, what="the acknowledgement at the Graph API")
        assert ack.path == f"/{PHONE_NUMBER_ID}/messages"
        assert case["reference"] in ack.text

        reply = await case_client.post(
            f"/v1/cases/{case['id']}/reply",
            json={"text": "Chúng tôi đã hoàn lại khoản trừ thừa, quý khách vui lòng kiểm tra."},
            headers=case_auth(),
        )
        assert reply.status_code == 200, reply.text

        async def replied() -> Any | None:
            sent = fake_platforms.sent(META)
            return sent[1] if len(sent) > 1 else None

        answer = await eventually(replied, within=40, what="the agent's reply at the Graph API")
        assert answer.path == f"/{PHONE_NUMBER_ID}/messages"
        assert answer.body["to"] == "84912345678"
        assert answer.text == "Chúng tôi đã hoàn lại khoản trừ thừa, quý khách vui lòng kiểm tra."

        async def reply_delivery() -> str | None:
            detail = (await case_client.get(f"/v1/cases/{case['id']}", headers=case_auth())).json()
            outbound = [m for m in detail.get("messages", []) if m["direction"] == "outbound"]
            statuses = [m.get("delivery_status") for m in outbound]
            return "sent" if statuses and all(s == "sent" for s in statuses) else None

        await eventually(reply_delivery, within=40, what="both replies recorded as sent on the case")


async def test_a_telegram_customer_is_found_by_their_platform_address_and_acknowledged_in_their_chat(
    database_url: str, second_migrated_url: str, broker: str, fake_platforms: FakePlatforms
) -> None:
    async with platform(database_url, second_migrated_url, broker, fake_platforms) as (case_client, social_client):
        update = telegram_text(5001, 12, "Mã giảm giá không dùng được", chat_id=987654321)
        assert (await post_telegram(social_client, update)).status_code == 200
        customer = await customer_with(case_client, "telegram:987654321", what="the Telegram message stored")
        assert [(p["kind"], p["address"]) for p in customer["contact_points"]] == [("telegram", "987654321")]

        async def acknowledged() -> list[Any] | None:
            return fake_platforms.sent(TELEGRAM) or None

        [ack] = await eventually(acknowledged, within=40, what="the acknowledgement in the Telegram chat")
        assert ack.body["chat_id"] == "987654321"
