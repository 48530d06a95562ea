"""GET /v1/cases and /v1/cases/{id} over HTTP on SQLite and PostgreSQL: the detail an agent works from, the filters,
text search, cursor pages, and agents seeing only their own cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, SUPERVISOR, auth, received
from tests.integration.case_service.case_api import CaseApi, problem_kind


async def listed(api: CaseApi, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/v1/cases", params=params, headers=headers or auth())
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def references(items: list[dict[str, Any]]) -> set[str]:
    return {item["reference"] for item in items}


async def test_the_detail_has_messages_timeline_playbook_and_sla(api: CaseApi) -> None:
    case_id = await api.deliver(
        received("an@example.com", subject="Broken vase", text="The vase arrived broken, please help.")
    )

    case = await api.case(case_id)

    assert re.fullmatch(rf"C-{datetime.now(UTC).year}-\d{{6}}", case["reference"])
    assert (case["status"], case["channel"], case["category"], case["priority"]) == (
        "new",
        "email",
        "damaged_goods",
        "normal",
    )
    assert (case["assignee"], case["assignee_agent_id"], case["escalated"], case["reopen_count"]) == (
        None,
        None,
        False,
        0,
    )
    assert (case["language"], case["subject"], case["csat"], case["resolved_at"]) == ("en", "Broken vase", None, None)
    [inbound, acknowledgement] = case["messages"]
    assert (inbound["direction"], inbound["purpose"], inbound["text"]) == (
        "inbound",
        None,
        "The vase arrived broken, please help.",
    )
    assert inbound["thread_rule"] and inbound["thread_reason"]
    assert inbound["attachments"] == []
    assert (acknowledgement["direction"], acknowledgement["purpose"]) == ("outbound", "acknowledgement")
    assert case["reference"] in acknowledgement["text"]
    kinds = [entry["kind"] for entry in case["timeline"]]
    assert {"case_opened", "classified", "acknowledgement_sent"} <= set(kinds)
    opened = next(entry for entry in case["timeline"] if entry["kind"] == "case_opened")
    assert (opened["actor_kind"], opened["message_id"]) == ("customer", inbound["id"])
    assert [entry["at"] for entry in case["timeline"]] == sorted(entry["at"] for entry in case["timeline"])
    assert case["playbook"]["category"] == "damaged_goods"
    assert case["playbook"]["questions"] and case["playbook"]["steps"]
    assert case["sla"]["status"] == "ok"
    clocks = {clock["target"]: clock for clock in case["sla"]["clocks"]}
    assert set(clocks) == {"first_response", "resolution"}
    assert all(clock["state"] == "ok" and not clock["paused"] for clock in clocks.values())
    assert clocks["first_response"]["target_seconds"] < clocks["resolution"]["target_seconds"]


async def test_messages_read_in_the_order_the_customer_wrote_them(api: CaseApi) -> None:
    sent = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    # The later message is processed first: the history still reads in the order the customer wrote.
    case_id = await api.deliver(
        received(
            "0912345678",
            kind=AddressKind.PHONE,
            channel=Channel.SMS,
            text="second",
            received_at=sent + timedelta(minutes=5),
        )
    )
    again = await api.deliver(
        received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, text="first", received_at=sent)
    )
    assert again == case_id

    inbound = [m for m in (await api.case(case_id))["messages"] if m["direction"] == "inbound"]

    assert [m["text"] for m in inbound] == ["first", "second"]
    assert inbound[0]["sender_address"] == "+84912345678"
    assert datetime.fromisoformat(inbound[0]["received_at"]) == sent


async def test_filters_narrow_the_list(api: CaseApi) -> None:
    late = await api.deliver(received("a@example.com", subject="Late", text="My order has not arrived. URGENT!"))
    broken = await api.deliver(received("b@example.com", subject="Broken", text="The cup arrived broken."))
    sms = await api.deliver(
        received("0912000111", kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text="Refund please")
    )
    await api.assign(broken, "lan")
    resolved = await api.client.post(
        f"/v1/cases/{sms}/resolve", json={"resolution_code": "refunded", "root_cause": "billing"}, headers=auth()
    )
    assert resolved.status_code == 200, resolved.text
    refs = {case_id: (await api.case(case_id))["reference"] for case_id in (late, broken, sms)}
    customer_of_sms = (await api.case(sms))["customer_id"]

    assert references(await listed(api)) == set(refs.values())
    assert references(await listed(api, status="new")) == {refs[late]}
    assert references(await listed(api, status="open")) == {refs[broken]}
    assert references(await listed(api, status="resolved")) == {refs[sms]}
    assert references(await listed(api, priority="urgent")) == {refs[late]}
    assert references(await listed(api, category="damaged_goods")) == {refs[broken]}
    assert references(await listed(api, category="billing_refund")) == {refs[sms]}
    assert references(await listed(api, channel="sms")) == {refs[sms]}
    assert references(await listed(api, assignee="lan")) == {refs[broken]}
    assert references(await listed(api, customer_id=customer_of_sms)) == {refs[sms]}
    assert references(await listed(api, sla="met")) == {refs[sms]}
    assert references(await listed(api, sla="ok")) == {refs[late], refs[broken]}
    assert await listed(api, sla="breached") == []
    assert references(await listed(api, channel="email", status="new", priority="urgent")) == {refs[late]}
    [summary] = await listed(api, assignee="lan")
    assert (summary["assignee"], summary["assignee_agent_id"], summary["status"]) == ("lan", "lan", "open")


async def test_text_search_finds_reference_subject_and_message_text_ignoring_case(api: CaseApi) -> None:
    first = await api.deliver(received("a@example.com", subject="Parcel stuck in Hanoi", text="Where is it?"))
    second = await api.deliver(
        received("0912000222", kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text="hello")
    )
    await api.deliver(
        received("0912000222", kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text="The Blue Kettle leaks")
    )
    first_ref = (await api.case(first))["reference"]
    second_ref = (await api.case(second))["reference"]

    assert references(await listed(api, q="hanoi")) == {first_ref}
    assert references(await listed(api, q="blue KETTLE")) == {second_ref}
    assert references(await listed(api, q=first_ref.lower())) == {first_ref}
    assert references(await listed(api, q="50%")) == set()
    assert await listed(api, q="nothing like this") == []


async def test_cursor_pages_through_every_case_newest_first(api: CaseApi) -> None:
    for number in range(7):
        await api.deliver(received(f"customer{number}@example.com", text=f"complaint {number}"))
    everything = await listed(api, limit=200)
    assert len(everything) == 7
    assert [c["opened_at"] for c in everything] == sorted((c["opened_at"] for c in everything), reverse=True)

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await api.client.get("/v1/cases", params=params, headers=auth())
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [case_id for page in pages for case_id in page] == [c["id"] for c in everything]


async def test_agents_see_only_their_own_cases(api: CaseApi) -> None:
    lans = await api.deliver(received("a@example.com"))
    minhs = await api.deliver(received("b@example.com"))
    await api.deliver(received("c@example.com"))
    await api.assign(lans, "lan")
    await api.assign(minhs, "minh")
    lan_ref = (await api.case(lans))["reference"]

    assert references(await listed(api, LAN)) == {lan_ref}
    assert references(await listed(api, LAN, assignee="lan")) == {lan_ref}
    assert await listed(api, LAN, assignee="minh") == []
    assert len(await listed(api, SUPERVISOR)) == 3
    assert (await api.case(lans, LAN))["assignee"] == "lan"
    assert (await api.case(minhs, SUPERVISOR))["assignee"] == "minh"

    foreign = await api.client.get(f"/v1/cases/{minhs}", headers=LAN)
    unknown = await api.client.get("/v1/cases/no-such-case", headers=LAN)
    assert (foreign.status_code, problem_kind(foreign)) == (404, "case-not-found")
    assert foreign.json()["title"] == unknown.json()["title"]


async def test_bad_requests_are_problems(api: CaseApi) -> None:
    cases = [
        (await api.client.get("/v1/cases"), 401),
        (await api.client.get("/v1/cases", headers={"Authorization": "Bearer not-the-key"}), 401),
        (await api.client.get("/v1/cases/whatever", headers=auth()), 404),
        (await api.client.get("/v1/cases", params={"limit": 0}, headers=auth()), 422),
        (await api.client.get("/v1/cases", params={"limit": 201}, headers=auth()), 422),
        (await api.client.get("/v1/cases", params={"status": "sleeping"}, headers=auth()), 422),
        (await api.client.get("/v1/cases", params={"sla": "late"}, headers=auth()), 422),
        (await api.client.get("/v1/cases", params={"cursor": "not-a-cursor"}, headers=auth()), 422),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        problem_kind(response)
    assert problem_kind(cases[-1][0]) == "invalid-cursor"
    assert cases[0][0].headers["www-authenticate"].startswith("Bearer")
