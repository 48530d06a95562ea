"""The telephone channel through `python -m services run`: a signed SMS opens a case, whose acknowledgement goes
out through (a fake) Twilio with the case reference; without a Twilio token the start-up summary says the Twilio
endpoints are off, and they answer 404."""

from __future__ import annotations

import signal
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

from tests.e2e.launcher import Launchers, none_left
from tests.support.fake_twilio import ReceivedMessage, running_fake_twilio
from tests.support.polling import eventually

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "e2e-twilio-auth-token-0123456789"
PUBLIC_URL = "https://support.example.com/sms"
OUR_NUMBER = "+84281234567"
CUSTOMER = "+84912345678"


def signed(path: str, params: dict[str, str]) -> dict[str, Any]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)
    headers = {"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"}
    return {"content": urlencode(params), "headers": headers}


async def test_an_sms_is_acknowledged_by_sms_through_twilio(launchers: Launchers) -> None:
    async with running_fake_twilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        launcher = await launchers.start(
            services=["ingest_sms", "case_service"],
            INGEST_SMS_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            INGEST_SMS_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            INGEST_SMS_PUBLIC_URL=PUBLIC_URL,
            INGEST_SMS_FROM_NUMBER=OUR_NUMBER,
            INGEST_SMS_TWILIO_API_URL=twilio.url,
        )
        await launcher.wait_ready(["ingest_sms", "case_service"])
        assert "Twilio endpoints disabled" not in launcher.output()
        sms, cases = launcher.url("ingest_sms"), launcher.url("case_service")
        headers = {"Authorization": f"Bearer {launcher.admin_key()}"}

        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            message = {"MessageSid": "SM" + "e" * 32, "From": "0912 345 678", "To": OUR_NUMBER, "Body": "Hàng bị hỏng"}
            answer = await client.post(f"{sms}/twilio/sms", **signed("/twilio/sms", message))
            assert answer.status_code == 200, answer.text
            assert answer.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'

            async def acknowledged() -> list[ReceivedMessage] | None:
                return twilio.messages or None

            [sent] = await eventually(acknowledged, within=60, what="the acknowledgement at Twilio")
            customer = (await client.get(f"{cases}/v1/customers", params={"contact": CUSTOMER}, headers=headers)).json()
            [case] = customer["cases"]
            assert (sent.to, sent.from_) == (CUSTOMER, OUR_NUMBER)
            assert case["reference"] in sent.body
            assert sent.status_callback == f"{PUBLIC_URL}/twilio/sms/status"

            status = {"MessageSid": sent.sid, "MessageStatus": "delivered"}
            delivered = await client.post(f"{sms}/twilio/sms/status", **signed("/twilio/sms/status", status))
            assert delivered.status_code == 204

        launcher.send(signal.SIGINT)
        assert await launcher.exit_code(within=30) == 0, launcher.output()
        await none_left(launcher)


async def test_without_a_twilio_token_the_start_up_summary_says_the_endpoints_are_off(launchers: Launchers) -> None:
    launcher = await launchers.start(services=["ingest_sms"])
    await launcher.wait_ready(["ingest_sms"])

    assert "Twilio endpoints disabled (404): INGEST_SMS_TWILIO_AUTH_TOKEN is not set" in launcher.output()
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        response = await client.post(f"{launcher.url('ingest_sms')}/twilio/sms", data={"Body": "hi"})
    assert response.status_code == 404
    assert response.json()["type"].endswith("/twilio-disabled")

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code(within=30) == 0, launcher.output()
    await none_left(launcher)
