"""The telephone channel with the case service consuming over the real broker: what a customer texts or says on
the phone ends up on one case, and the acknowledgement goes back out as an SMS through (a fake) Twilio.

case_service runs in-process (see tests/integration/case_service/conftest.py); these tests read it only through
GET /v1/customers?contact= and GET /v1/cases?customer_id=.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared import topics
from shared.cloudevents import CloudEvent
from tests.integration.case_service.builders import auth as case_auth
from tests.integration.case_service.conftest import running_service
from tests.integration.ingest_sms.support import (
    OUR_NUMBER,
    auth,
    first_record,
    post_signed,
    running_sms,
    sms,
    sms_settings,
)
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import eventually

CALLER = "+84912345678"


@asynccontextmanager
async def platform(
    case_url: str, sms_url: str, broker: str, *, twilio: FakeTwilio | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """case_service consuming, and ingest_sms (consuming outbound messages too when given a fake Twilio)."""
    async with running_service(case_url, broker, consume_events=True) as (_, case_client):
        overrides = {"twilio_api_url": twilio.url} if twilio is not None else {}
        settings = sms_settings(sms_url, broker, **overrides)
        async with running_sms(settings, consume=twilio is not None) as (_, sms_client):
            yield case_client, sms_client


async def customer_with(case_client: httpx.AsyncClient, contact: str, *, inbound: int, what: str) -> dict[str, Any]:
    """The customer owning `contact`, once `inbound` of their messages are stored."""

    async def probe() -> dict[str, Any] | None:
        response = await case_client.get("/v1/customers", params={"contact": contact}, headers=case_auth())
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        received = [m for m in body["messages"] if m["direction"] == "inbound"]
        return body if len(received) >= inbound else None

    return await eventually(probe, within=40, what=what)


def inbound_texts(customer: dict[str, Any]) -> list[str]:
    """The customer's messages to us, oldest first (as the API lists them)."""
    return [m["text"] for m in customer["messages"] if m["direction"] == "inbound"]


async def cases_of(case_client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    response = await case_client.get("/v1/cases", params={"customer_id": customer_id}, headers=case_auth())
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_redeliveries_bursts_and_every_form_of_a_vietnamese_number_make_one_case_per_customer(
    database_url: str, second_migrated_url: str, broker: str
) -> None:
    async with platform(database_url, second_migrated_url, broker) as (case_client, sms_client):
        for _ in range(3):
            answer = await post_signed(sms_client, "/twilio/sms", sms("SM" + "0" * 32, CALLER, "Giao thiếu hàng"))
            assert answer.status_code == 200
        for n in range(1, 6):
            await post_signed(sms_client, "/twilio/sms", sms(f"SM{n:032d}", CALLER, f"Chi tiết {n}"))
        forms = ["0987 654 321", "+84 987654321", "84987654321"]
        for n, form in enumerate(forms):
            await post_signed(sms_client, "/twilio/sms", sms(f"SM{n:030d}vn", form, f"Dạng số {n}"))

        burst = await customer_with(case_client, CALLER, inbound=6, what="the burst stored")
        assert inbound_texts(burst) == ["Giao thiếu hàng", *(f"Chi tiết {n}" for n in range(1, 6))]
        assert len(await cases_of(case_client, burst["id"])) == 1
        assert len({m["case_id"] for m in burst["messages"]}) == 1

        for form in ["+84987654321", *forms]:
            same = await customer_with(case_client, form, inbound=3, what=f"the customer found by {form!r}")
            assert same["id"] != burst["id"]
            assert inbound_texts(same) == ["Dạng số 0", "Dạng số 1", "Dạng số 2"]
            assert [(p["kind"], p["address"]) for p in same["contact_points"]] == [("phone", "+84987654321")]
            assert len(await cases_of(case_client, same["id"])) == 1


def note(text: str, *, case_reference: str | None = None) -> dict[str, Any]:
    return {
        "caller_number": "0912 345 678",
        "direction": "outbound",
        "started_at": "2026-11-24T10:00:00+07:00",
        "duration_seconds": 180,
        "agent_id": "agent-7",
        "note": text,
        **({"case_reference": case_reference} if case_reference else {}),
    }


MISSED_CALL = {
    "CallSid": "CA" + "1" * 32,
    "CallStatus": "no-answer",
    "Direction": "inbound",
    "From": CALLER,
    "To": OUR_NUMBER,
}


async def test_a_missed_call_opens_a_phone_case_that_the_call_back_note_joins_and_a_named_case_is_joined(
    database_url: str, second_migrated_url: str, broker: str
) -> None:
    async with platform(database_url, second_migrated_url, broker) as (case_client, sms_client):
        await post_signed(sms_client, "/twilio/voice/status", MISSED_CALL)
        first = await customer_with(case_client, CALLER, inbound=1, what="the missed call stored")
        [phone_case] = await cases_of(case_client, first["id"])
        assert phone_case["channel"] == "phone"
        call_back = await sms_client.post(
            "/v1/phone-notes", json=note("Đã gọi lại, khách báo trừ tiền hai lần."), headers=auth()
        )
        assert call_back.status_code == 202, call_back.text

        await post_signed(sms_client, "/twilio/sms", sms("SM" + "1" * 32, CALLER, "Tôi gửi hoá đơn qua tin nhắn"))
        with_sms = await customer_with(case_client, CALLER, inbound=3, what="the note and the SMS stored")
        sms_case = next(m["case_id"] for m in with_sms["messages"] if m["channel"] == "sms")
        reference = next(c["reference"] for c in await cases_of(case_client, first["id"]) if c["id"] == sms_case)
        named = note("Xác nhận hoá đơn, hẹn hoàn tiền.", case_reference=reference)
        assert (await sms_client.post("/v1/phone-notes", json=named, headers=auth())).status_code == 202

        customer = await customer_with(case_client, CALLER, inbound=4, what="the note naming the SMS case stored")
        placed = [(m["text"], m["case_id"]) for m in customer["messages"] if m["direction"] == "inbound"]
        assert placed == [
            ("Missed call (no-answer)", phone_case["id"]),
            ("Đã gọi lại, khách báo trừ tiền hai lần.", phone_case["id"]),
            ("Tôi gửi hoá đơn qua tin nhắn", sms_case),
            ("Xác nhận hoá đơn, hẹn hoàn tiền.", sms_case),
        ]


async def test_a_missed_call_and_a_phone_note_join_the_callers_open_sms_case(
    database_url: str, second_migrated_url: str, broker: str
) -> None:
    async with platform(database_url, second_migrated_url, broker) as (case_client, sms_client):
        await post_signed(sms_client, "/twilio/sms", sms("SM" + "1" * 32, CALLER, "Tôi bị trừ tiền hai lần"))
        first = await customer_with(case_client, CALLER, inbound=1, what="the SMS stored")
        [case] = await cases_of(case_client, first["id"])
        await post_signed(sms_client, "/twilio/voice/status", MISSED_CALL)
        await sms_client.post("/v1/phone-notes", json=note("Đã gọi lại, hứa hoàn tiền."), headers=auth())

        customer = await customer_with(case_client, CALLER, inbound=3, what="the call and the note stored")
        assert {m["case_id"] for m in customer["messages"]} == {case["id"]}


def report(status: str) -> Callable[[CloudEvent], bool]:
    return lambda event: event.type == "outbound.delivery_reported.v1" and event.data.get("status") == status


async def test_an_sms_is_acknowledged_by_sms_with_the_case_reference_and_its_delivery_reported(
    database_url: str, second_migrated_url: str, broker: str, fake_twilio: FakeTwilio
) -> None:
    async with platform(database_url, second_migrated_url, broker, twilio=fake_twilio) as (case_client, sms_client):
        await post_signed(sms_client, "/twilio/sms", sms("SM" + "2" * 32, CALLER, "Đơn hàng của tôi bị hỏng"))
        customer = await customer_with(case_client, CALLER, inbound=1, what="the SMS stored")
        [case] = await cases_of(case_client, customer["id"])

        async def acknowledgement() -> list[Any] | None:
            return fake_twilio.messages or None

        [sent] = await eventually(acknowledgement, within=40, what="the acknowledgement at Twilio")
        assert (sent.to, sent.from_) == (CALLER, OUR_NUMBER)
        assert case["reference"] in sent.body
        key, sent_report = await first_record(broker, topics.COMPLAINTS_INBOUND, matching=report("sent"), within=30)
        assert (key, sent_report.data["provider_message_id"]) == (case["id"].encode(), sent.sid)

        callback = {"MessageSid": sent.sid, "MessageStatus": "delivered", "AccountSid": sent.account_sid}
        assert (await post_signed(sms_client, "/twilio/sms/status", callback)).status_code == 204
        key, delivered = await first_record(broker, topics.COMPLAINTS_INBOUND, matching=report("delivered"), within=30)
        assert (key, delivered.data["case_id"], delivered.data["outbound_id"]) == (
            case["id"].encode(),
            case["id"],
            sent_report.data["outbound_id"],
        )
