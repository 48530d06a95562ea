"""Text no database can hold (a NUL, a lone surrogate, other control characters) from a customer's message or an
agent's input is cleaned where it comes in: the message is filed and the request answered, never a 500 or a dead
letter. The PostgreSQL variants are the ones that refused it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.events import ComplaintMessageReceived
from tests.integration.case_service.builders import LAN, SUPERVISOR
from tests.integration.case_service.case_api import CaseApi
from tests.integration.case_service.test_actions_api import act, sms_case


def _as_consumed(**fields: Any) -> ComplaintMessageReceived:
    """A customer's message as the consumer reads it: parsed from the event's JSON data."""
    data: dict[str, Any] = {
        "channel": "email",
        "provider": "smtp",
        "provider_message_id": "<m1@example.com>\x00",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"kind": "email", "address": "an@example.com", "display_name": "An\x00 Nguyen"},
        "subject": "Late\x00 parcel",
        "text": "Where is my order?\x00\x1b\r\n\tThanks",
        "metadata": {"full_text": "quoted\x00 text", "headers": {"X-Odd\x00": "v\x00"}},
        **fields,
    }
    return ComplaintMessageReceived.model_validate(data)


def inbound(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [message for message in case["messages"] if message["direction"] == "inbound"]


async def test_a_mail_with_nul_characters_is_filed_without_them(api: CaseApi) -> None:
    case_id = await api.deliver(_as_consumed())

    case = await api.case(case_id, headers=SUPERVISOR)
    [message] = inbound(case)
    assert message["text"] == "Where is my order?\r\n\tThanks"
    assert (message["subject"], message["sender_display_name"]) == ("Late parcel", "An Nguyen")
    assert case["subject"] == "Late parcel"


async def test_a_lone_surrogate_in_a_message_is_replaced(api: CaseApi) -> None:
    case_id = await api.deliver(_as_consumed(text="broken \ud800 pair", provider_message_id="<m2@example.com>"))

    [message] = inbound(await api.case(case_id, headers=SUPERVISOR))
    assert message["text"] == "broken \ufffd pair"


async def test_a_note_with_a_nul_character_is_answered_and_kept_without_it(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")

    response = await act(api, case_id, "note", {"text": "IBAN DE89\x00 3704 0044"}, headers=SUPERVISOR)

    assert response.status_code == 200, response.text
    assert response.json()["messages"][-1]["text"] == "IBAN DE89 3704 0044"


async def test_a_reply_of_a_lone_surrogate_in_raw_json_is_answered(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    await api.assign(case_id, "lan")

    response = await api.client.post(
        f"/v1/cases/{case_id}/reply",
        content=b'{"text": "We are on it \\ud800 today"}',
        headers={**LAN, "content-type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["messages"][-1]["text"] == "We are on it \ufffd today"


async def test_a_text_of_only_control_characters_is_missing(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")

    response = await act(api, case_id, "note", {"text": "\x00\x01"}, headers=SUPERVISOR)

    assert response.status_code == 422, response.text


async def test_an_unknown_field_named_by_a_lone_surrogate_is_a_422(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    customer_id = (await api.case(case_id, headers=SUPERVISOR))["customer_id"]

    response = await api.client.patch(
        f"/v1/customers/{customer_id}",
        content=b'{"display_name": "Minh", "\\ud800": 1}',
        headers={**SUPERVISOR, "content-type": "application/json"},
    )

    assert response.status_code == 422, response.text


async def test_a_customer_edit_with_a_nul_character_is_kept_without_it(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    customer_id = (await api.case(case_id, headers=SUPERVISOR))["customer_id"]

    response = await api.client.patch(
        f"/v1/customers/{customer_id}", json={"display_name": "Minh\x00 Tran"}, headers=SUPERVISOR
    )

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Minh Tran"


async def test_nul_characters_in_the_url_are_refused_not_a_500(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")

    answers = [
        await api.client.get("/v1/cases/%00", headers=SUPERVISOR),
        await api.client.get("/v1/cases", params={"q": "late\x00"}, headers=SUPERVISOR),
        await api.client.get("/v1/customers", params={"contact": "an\x00@example.com"}, headers=SUPERVISOR),
        await api.client.post(f"/v1/cases/{case_id}%00/note", json={"text": "x"}, headers=SUPERVISOR),
    ]

    assert [response.status_code for response in answers] == [400, 400, 400, 400], [r.text for r in answers]
    assert all(response.headers["content-type"] == "application/problem+json" for response in answers)
