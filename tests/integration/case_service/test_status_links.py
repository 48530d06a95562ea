"""Status links on SQLite and PostgreSQL: the acknowledgement of a web or email case links to its status page, which
shows that case only (no note, no address, no token), takes the customer's messages back into that case (through
the gateway's `status_token`), and stops working when revoked or expired."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from case_service import actions
from case_service.status_links import UnknownStatusLink
from services.gateway.domain import to_event_data
from services.gateway.schemas import MessageRequest
from shared.events import AddressKind, Channel, ComplaintMessageReceived
from shared.tokens import Role
from tests.integration.case_service.builders import LAN, MINH, SUPERVISOR, auth, received, token_auth
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk

STATUS_LINK = re.compile(r"/status/([A-Za-z0-9_-]{16,})")


def web_complaint(desk: Desk, address: str, text: str = "Đơn hàng của tôi đã trễ hai tuần", **changes: Any) -> Any:
    """A complaint from the web form, written at the desk clock's time."""
    return received(address, channel=Channel.WEB, text=text, language="vi", received_at=desk.clock.now, **changes)


def from_status_page(desk: Desk, token: str, text: str, *, key: str) -> ComplaintMessageReceived:
    """What the gateway makes of the console's `POST /v1/messages` for a message written on a status page."""
    request = MessageRequest(channel=Channel.WEB, status_token=token, text=text, language="vi")
    return to_event_data(request, idempotency_key=key, received_at=desk.clock.now, default_region="VN")


def written(case: dict[str, Any], provider_message_id: str) -> dict[str, Any]:
    return dict(next(m for m in case["messages"] if m["provider_message_id"] == provider_message_id))


async def status_tokens(desk: Desk) -> dict[str, str]:
    """{case id: status link token} as the customers got them: from the acknowledgements delivered."""
    tokens = {}
    for event in await desk.api.events("outbound.message.requested.v1"):
        found = STATUS_LINK.search(event["data"]["text"])
        if event["data"]["purpose"] == "acknowledgement" and found:
            tokens[event["data"]["case_id"]] = found[1]
    return tokens


async def test_the_acknowledgement_links_to_a_page_of_that_case_only(desk: Desk) -> None:
    case_a = await desk.deliver(web_complaint(desk, "an@example.com", subject="Giao hàng chậm"))
    case_b = await desk.deliver(received("binh@example.com", text="Broken cup", received_at=desk.clock.now))
    await desk.assign(case_a, "lan")
    desk.clock.advance(minutes=5)
    await desk.reply(case_a, "Xin lỗi anh, đơn sẽ giao hôm nay.")
    await desk.act(case_a, actions.note, text="Internal: the carrier lost it")
    tokens = await status_tokens(desk)
    assert set(tokens) == {case_a, case_b}, "web and email acknowledgements carry a link"
    [ack] = [
        e["data"] for e in await desk.api.events("outbound.message.requested.v1") if e["data"]["case_id"] == case_a
    ][:1]
    assert ack["text"].startswith("Xin chào") and f"{desk.policy.customer_pages_url}/status/" in ack["text"]

    case = await desk.api.case(case_a)
    stored_ack = next(m for m in case["messages"] if m["purpose"] == "acknowledgement")
    assert "[status link]" in stored_ack["text"] and tokens[case_a] not in json.dumps(case), "agents read no token"

    page = await desk.client.get(f"/v1/status/{tokens[case_a]}")
    assert page.status_code == 200, page.text
    view = page.json()
    assert (view["case_reference"], view["status"], view["can_write"]) == (case["reference"], "open", True)
    assert [(m["author"], m["text"]) for m in view["messages"]] == [
        ("customer", "Đơn hàng của tôi đã trễ hai tuần"),
        ("us", stored_ack["text"].rsplit("\n\n", 1)[0]),  # without the line pointing at this very page
        ("us", "Xin lỗi anh, đơn sẽ giao hôm nay."),
    ]
    shown = json.dumps(view, ensure_ascii=False)
    assert "[status link]" not in shown
    for hidden in ("Internal", "an@example.com", '"lan"', "agent", tokens[case_a], case_a):
        assert hidden not in shown, hidden
    other = (await desk.client.get(f"/v1/status/{tokens[case_b]}")).json()
    assert other["case_reference"] != view["case_reference"]
    assert [m["text"] for m in other["messages"]][0] == "Broken cup"

    forged = tokens[case_a][:16] + tokens[case_b][16:]  # A's link id with B's signature
    for token in (forged, "x" * 48, tokens[case_a][:-1]):
        unknown = await desk.client.get(f"/v1/status/{token}")
        assert (unknown.status_code, problem_kind(unknown)) == (404, "status-link-not-found")


async def test_a_message_from_the_status_page_joins_that_case_as_its_customers(desk: Desk) -> None:
    case_id = await desk.deliver(web_complaint(desk, "an@example.com"))
    await desk.assign(case_id, "lan")
    await desk.act(case_id, actions.reply, policy=desk.policy, text="Anh cho xin mã đơn?", await_customer=True)
    token = (await status_tokens(desk))[case_id]
    data = from_status_page(desk, token, "Mã đơn là 12345", key="form-1")
    assert token not in data.model_dump_json() and data.sender.kind is AddressKind.EXTERNAL

    assert await desk.deliver(data) == case_id

    case = await desk.api.case(case_id)
    message = written(case, "idem:form-1")
    assert (message["text"], message["channel"], message["direction"]) == ("Mã đơn là 12345", "web", "inbound")
    assert (message["sender_kind"], message["sender_address"]) == ("email", "an@example.com")
    assert message["thread_rule"] == "status_link" and case["reference"] in message["thread_reason"]
    assert case["status"] == "open", "the answer takes the case off pending_customer"
    customer = await desk.get("/v1/customers", auth(), contact="an@example.com")
    assert customer["id"] == case["customer_id"]
    assert [p["kind"] for p in customer["contact_points"]] == ["email"], "the placeholder sender names no one"
    assert (await desk.get("/v1/customers", auth(), q="status-link"))["items"] == []

    await desk.resolve(case_id)
    desk.clock.advance(hours=1)
    assert await desk.deliver(from_status_page(desk, token, "Vẫn chưa nhận được hàng", key="form-2")) == case_id
    assert (await desk.api.case(case_id))["status"] == "open", "a resolved case reopens"
    [reopened] = await desk.api.events("case.reopened.v1")
    assert reopened["data"]["case_id"] == case_id


async def test_revoked_links_stop_working_and_their_messages_open_a_new_case(desk: Desk) -> None:
    case_id = await desk.deliver(web_complaint(desk, "an@example.com"))
    await desk.assign(case_id, "lan")
    token = (await status_tokens(desk))[case_id]

    assert (await desk.client.post(f"/v1/cases/{case_id}/status-links/revoke", headers=MINH)).status_code == 404
    revoked = await desk.client.post(f"/v1/cases/{case_id}/status-links/revoke", headers=LAN)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {"case_id": case_id, "revoked": 1}
    again = await desk.client.post(f"/v1/cases/{case_id}/status-links/revoke", headers=LAN)
    assert again.json()["revoked"] == 0
    gone = await desk.client.get(f"/v1/status/{token}")
    assert (gone.status_code, problem_kind(gone)) == (410, "status-link-revoked")

    late = await desk.deliver(from_status_page(desk, token, "Còn ai ở đó không?", key="late"))
    assert late != case_id
    new_case = await desk.api.case(late)
    assert new_case["customer_id"] == (await desk.api.case(case_id))["customer_id"]
    assert "revoked" in written(new_case, "idem:late")["thread_reason"]
    assert "status_links_revoked" in [e["kind"] for e in (await desk.api.case(case_id))["timeline"]]

    assert (await desk.client.post(f"/v1/cases/{case_id}/status-links", headers=LAN)).status_code == 403
    issued = await desk.client.post(f"/v1/cases/{case_id}/status-links", headers=SUPERVISOR)
    assert issued.status_code == 201, issued.text
    fresh = STATUS_LINK.search(issued.json()["url"])
    assert fresh is not None and (await desk.client.get(f"/v1/status/{fresh[1]}")).status_code == 200


async def test_a_closed_case_takes_no_message_and_an_old_link_expires(desk: Desk) -> None:
    desk.clock.advance(days=-100)  # longer ago than a link lasts (90 days)
    old_case = await desk.deliver(web_complaint(desk, "an@example.com"))
    desk.clock.advance(days=100)
    case_id = await desk.deliver(web_complaint(desk, "an@example.com", text="Một chuyện khác"))
    tokens = await status_tokens(desk)
    expired = await desk.client.get(f"/v1/status/{tokens[old_case]}")
    assert (expired.status_code, problem_kind(expired)) == (410, "status-link-expired")

    await desk.act(case_id, actions.close, policy=desk.policy, reason="duplicate")
    view = (await desk.client.get(f"/v1/status/{tokens[case_id]}")).json()
    assert (view["status"], view["can_write"]) == ("closed", False)
    late = await desk.deliver(from_status_page(desk, tokens[case_id], "Sao lại đóng?", key="closed"))
    assert late not in (case_id, old_case)
    assert "closed" in written(await desk.api.case(late), "idem:closed")["thread_reason"]


async def test_a_message_naming_a_link_that_never_existed_is_not_placed(desk: Desk) -> None:
    with pytest.raises(UnknownStatusLink):
        await desk.deliver(from_status_page(desk, "y" * 48, "Hello", key="nobody"))


async def test_the_console_finds_where_a_submitted_message_went(desk: Desk) -> None:
    data = web_complaint(desk, "an@example.com").model_copy(update={"provider_message_id": "idem:form-token-1"})
    case_id = await desk.deliver(data)
    token = (await status_tokens(desk))[case_id]
    query = {"channel": "web", "provider_message_id": "idem:form-token-1"}

    found = await desk.client.get("/v1/inbound-messages", params=query, headers=auth())
    assert found.status_code == 200, found.text
    reference = (await desk.api.case(case_id))["reference"]
    assert {k: found.json()[k] for k in ("case_id", "case_reference", "case_status")} == (
        {"case_id": case_id, "case_reference": reference, "case_status": "new"}
    )
    assert found.json()["status_url"] == desk.policy.status_url(token)
    for caller in (SUPERVISOR, LAN, token_auth(Role.SUPERVISOR)):
        refused = await desk.client.get("/v1/inbound-messages", params=query, headers=caller)
        assert refused.status_code == 403, "the answer carries the customer's link: admins (the console) only"
    missing = await desk.client.get(
        "/v1/inbound-messages", params={**query, "provider_message_id": "idem:x"}, headers=auth()
    )
    assert (missing.status_code, problem_kind(missing)) == (404, "message-not-found")


async def test_a_status_link_quoted_back_is_stored_without_its_token(desk: Desk) -> None:
    case_id = await desk.deliver(received("an@example.com"))
    token = (await status_tokens(desk))[case_id]
    reference = (await desk.api.case(case_id))["reference"]
    quoted = f"Still waiting.\n> You can follow your case at: {desk.policy.status_url(token)}"
    assert await desk.deliver(received("an@example.com", text=quoted, subject=f"Re: [#{reference}]")) == case_id
    stored = json.dumps(await desk.api.case(case_id))
    assert token not in stored and "/status/[status link]" in stored


async def test_survey_links_open_the_survey_page_of_the_customers_pages(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(web_complaint(desk, "an@example.com"))
    await desk.resolve(case_id)
    desk.clock.advance(seconds=desk.policy.follow_up_delay.total_seconds() + 60)
    await desk.run_scheduler()
    [survey] = [
        e["data"] for e in await desk.api.events("outbound.message.requested.v1") if e["data"]["purpose"] == "survey"
    ]
    token = (await desk.survey_tokens())[case_id]
    assert f"{desk.policy.customer_pages_url}/survey/{token}" in survey["text"]
    view = (await desk.client.get(f"/v1/status/{(await status_tokens(desk))[case_id]}")).json()
    assert all("survey" not in m["text"] for m in view["messages"]), "the survey is not on the status page"


def test_the_gateway_takes_a_status_token_only_on_the_web_and_instead_of_a_sender() -> None:
    for body, named in [
        ({"channel": "web", "text": "Hi"}, "sender_address"),
        ({"channel": "web", "text": "Hi", "status_token": "t" * 48, "sender_address": "a@b.c"}, "sender_address"),
        ({"channel": "sms", "text": "Hi", "status_token": "t" * 48}, "status_token"),
        ({"channel": "web", "text": "Hi", "status_token": "not a token!"}, "status_token"),
    ]:
        with pytest.raises(ValidationError) as refused:
            MessageRequest.model_validate(body)
        assert named in str(refused.value), body
