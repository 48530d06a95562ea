"""The agent actions over HTTP on SQLite and PostgreSQL: each one's effect as GET shows it (status, messages,
timeline, SLA), the events it announces, and the problems it answers when it cannot be done."""

from __future__ import annotations

from typing import Any

import httpx

from shared import topics
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, SUPERVISOR, auth, received
from tests.integration.case_service.case_api import CaseApi, problem_kind


async def act(
    api: CaseApi, case_id: str, action: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    path = f"/v1/cases/{case_id}" + (f"/{action}" if action != "patch" else "")
    if action == "patch":
        return await api.client.patch(path, json=body, headers=headers or auth())
    return await api.client.post(path, json=body, headers=headers or auth())


async def done(
    api: CaseApi, case_id: str, action: str, body: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    response = await act(api, case_id, action, body, **kw)
    assert response.status_code == 200, response.text
    return dict(response.json())


def kinds(case: dict[str, Any]) -> list[str]:
    return [entry["kind"] for entry in case["timeline"]]


def entry(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(entry for entry in case["timeline"] if entry["kind"] == kind)


def clock(case: dict[str, Any], target: str) -> dict[str, Any]:
    return next(clock for clock in case["sla"]["clocks"] if clock["target"] == target)


async def sms_case(api: CaseApi, *texts: str, number: str = "0912345678") -> str:
    case_ids = {
        await api.deliver(received(number, kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text=text))
        for text in texts
    }
    [case_id] = case_ids
    return case_id


async def test_a_reply_goes_to_the_customer_and_meets_the_first_response(api: CaseApi) -> None:
    case_id = await api.deliver(received("an@example.com", subject="Late parcel", text="Where is my order?"))
    await api.assign(case_id, "lan")

    case = await done(api, case_id, "reply", {"text": "It ships today."}, headers=LAN)

    assert case["status"] == "open"
    reply = case["messages"][-1]
    assert (reply["direction"], reply["purpose"], reply["author_agent_id"], reply["text"]) == (
        "outbound",
        "reply",
        "lan",
        "It ships today.",
    )
    assert reply["recipient"] == "an@example.com"
    sent = entry(case, "reply_sent")
    assert (sent["actor_kind"], sent["actor_id"], sent["message_id"]) == ("agent", "lan", reply["id"])
    assert case["first_response_at"] is not None
    assert clock(case, "first_response")["state"] == "met"
    assert clock(case, "resolution")["state"] == "ok"
    [request] = [e for e in await api.events("outbound.message.requested.v1") if e["data"]["purpose"] == "reply"]
    assert (request["_topic"], request["_key"]) == (topics.OUTBOUND_MESSAGES, case_id)
    assert (request["data"]["text"], request["data"]["agent_id"], request["data"]["channel"]) == (
        "It ships today.",
        "lan",
        "email",
    )
    assert request["data"]["to"]["address"] == "an@example.com"
    assert case["reference"] in request["data"]["subject"]

    later = await done(api, case_id, "reply", {"text": "Tracking: VN123."}, headers=LAN)
    assert later["first_response_at"] == case["first_response_at"], "only the first reply counts"
    assert len([m for m in later["messages"] if m["purpose"] == "reply"]) == 2


async def test_a_reply_can_wait_on_the_customer_which_pauses_the_clock(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")

    case = await done(api, case_id, "reply", {"text": "Which order number?", "await_customer": True})

    assert case["status"] == "pending_customer"
    assert clock(case, "resolution")["paused"] is True
    moves = [(e["detail"]["from"], e["detail"]["to"]) for e in case["timeline"] if e["kind"] == "status_changed"]
    assert ("open", "pending_customer") in moves

    await sms_case(api, "It is 1234")
    answered = await api.case(case_id)
    assert answered["status"] == "open"
    assert clock(answered, "resolution")["paused"] is False


async def test_no_reply_to_a_customer_who_opted_out_of_sms(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late", "STOP")

    refused = await act(api, case_id, "reply", {"text": "Sorry!"})

    assert (refused.status_code, problem_kind(refused)) == (409, "customer-opted-out")
    assert not [e for e in await api.events("outbound.message.requested.v1") if e["data"]["purpose"] == "reply"]


async def test_a_note_stays_inside(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    before = len(await api.events())

    case = await done(api, case_id, "note", {"text": "Called the courier."}, headers=SUPERVISOR)

    note = case["messages"][-1]
    assert (note["direction"], note["purpose"], note["text"]) == ("note", None, "Called the courier.")
    noted = entry(case, "note_added")
    assert (noted["actor_kind"], noted["message_id"]) == ("supervisor", note["id"])
    assert case["status"] == "new"
    assert len(await api.events()) == before, "a note announces nothing"


async def test_escalation_is_requested_from_the_router(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    await api.assign(case_id, "lan")

    case = await done(api, case_id, "escalate", {"reason": "Customer threatens to sue"}, headers=LAN)

    assert case["escalated"] is False, "escalated once the router hands it to a supervisor"
    requested = entry(case, "escalation_requested")
    assert (requested["actor_id"], requested["detail"]["reason"]) == ("lan", "Customer threatens to sue")
    [event] = await api.events("case.escalation_requested.v1")
    assert (event["_key"], event["data"]["reason"], event["data"]["agent_id"]) == (
        case_id,
        "Customer threatens to sue",
        "lan",
    )


async def test_resolve_reopen_and_close(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    await api.assign(case_id, "lan")

    missing = await act(api, case_id, "resolve", {"resolution_code": "reshipped"}, headers=LAN)
    assert (missing.status_code, problem_kind(missing)) == (422, "validation-error")
    assert [error["field"] for error in missing.json()["errors"]] == ["root_cause"]
    blank = await act(api, case_id, "resolve", {"resolution_code": " ", "root_cause": "courier"}, headers=LAN)
    assert blank.status_code == 422

    resolved = await done(
        api, case_id, "resolve", {"resolution_code": "reshipped", "root_cause": "courier"}, headers=LAN
    )
    assert (resolved["status"], resolved["resolution_code"], resolved["root_cause"]) == (
        "resolved",
        "reshipped",
        "courier",
    )
    assert resolved["resolved_at"] is not None
    assert {c["state"] for c in resolved["sla"]["clocks"]} == {"met"}
    [event] = await api.events("case.resolved.v1")
    assert (event["data"]["case_id"], event["data"]["agent_id"]) == (case_id, "lan")

    again = await act(api, case_id, "resolve", {"resolution_code": "x", "root_cause": "y"}, headers=LAN)
    assert (again.status_code, problem_kind(again)) == (409, "illegal-transition")
    assert (again.json()["case_status"], again.json()["action"]) == ("resolved", "resolve")

    reopened = await done(api, case_id, "reopen", {"reason": "Parcel came back to the depot"}, headers=LAN)
    assert (reopened["status"], reopened["reopen_count"], reopened["resolution_code"]) == ("open", 1, None)
    [event] = await api.events("case.reopened.v1")
    assert (event["data"]["reason"], event["data"]["previous_agent_id"]) == ("Parcel came back to the depot", "lan")
    assert clock(reopened, "resolution")["state"] != "met"
    no_reason = await act(api, case_id, "reopen", {}, headers=LAN)
    assert no_reason.status_code == 422
    not_resolved = await act(api, case_id, "reopen", {"reason": "again"}, headers=LAN)
    assert (not_resolved.status_code, problem_kind(not_resolved)) == (409, "illegal-transition")

    closed = await done(api, case_id, "close", headers=LAN)
    assert (closed["status"], closed["closed_at"] is not None) == ("closed", True)
    [event] = await api.events("case.closed.v1")
    assert event["data"]["case_id"] == case_id
    for action, body in [("reply", {"text": "hi"}), ("close", {"reason": "x"}), ("escalate", {"reason": "x"})]:
        refused = await act(api, case_id, action, body, headers=LAN)
        assert (refused.status_code, problem_kind(refused)) == (409, "illegal-transition"), action
        assert refused.json()["case_status"] == "closed"
    statuses = [(e["detail"]["from"], e["detail"]["to"]) for e in closed["timeline"] if e["kind"] == "status_changed"]
    assert statuses[-3:] == [("open", "resolved"), ("resolved", "open"), ("open", "closed")]


async def test_close_with_a_reason(api: CaseApi) -> None:
    case_id = await sms_case(api, "Spam spam spam")

    closed = await done(api, case_id, "close", {"reason": "spam"})

    assert closed["status"] == "closed"
    assert entry(closed, "status_changed")["detail"]["reason"] == "spam"
    [event] = await api.events("case.closed.v1")
    assert event["data"]["reason"] == "spam"


async def test_an_agent_overrides_the_classification(api: CaseApi) -> None:
    case_id = await sms_case(api, "Late delivery of my order")
    await api.assign(case_id, "lan")
    before = await api.case(case_id)
    assert (before["category"], before["priority"]) == ("delivery_delay", "normal")

    unknown = await act(api, case_id, "patch", {"category": "weather"}, headers=LAN)
    empty = await act(api, case_id, "patch", {}, headers=LAN)
    bad_priority = await act(api, case_id, "patch", {"priority": "whenever"}, headers=LAN)
    assert (unknown.status_code, problem_kind(unknown)) == (422, "unknown-category")
    assert (empty.status_code, bad_priority.status_code) == (422, 422)

    case = await done(api, case_id, "patch", {"category": "billing_refund", "priority": "urgent"}, headers=LAN)

    assert (case["category"], case["priority"]) == ("billing_refund", "urgent")
    assert case["playbook"]["category"] == "billing_refund"
    override = entry(case, "reclassified")
    assert (override["actor_kind"], override["actor_id"]) == ("agent", "lan")
    assert override["detail"]["from"] == {"category": "delivery_delay", "priority": "normal"}
    assert override["detail"]["to"] == {"category": "billing_refund", "priority": "urgent"}
    assert clock(case, "resolution")["target_seconds"] < clock(before, "resolution")["target_seconds"]
    [event] = await api.events("case.reclassified.v1")
    assert (event["data"]["previous_category"], event["data"]["previous_priority"], event["data"]["by"]) == (
        "delivery_delay",
        "normal",
        "lan",
    )
    assert (event["data"]["category"], event["data"]["priority"]) == ("billing_refund", "urgent")

    only_priority = await done(api, case_id, "patch", {"priority": "low"}, headers=LAN)
    assert (only_priority["category"], only_priority["priority"]) == ("billing_refund", "low")
    assert len(await api.events("case.reclassified.v1")) == 2


async def test_split_moves_messages_into_a_new_case_that_gets_routed(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late", "Also I was charged twice, refund please", "And refund the fee")
    await api.assign(case_id, "lan")
    source = await api.case(case_id, LAN)
    inbound = [m for m in source["messages"] if m["direction"] == "inbound"]
    acknowledgement = next(m for m in source["messages"] if m["direction"] == "outbound")

    response = await act(api, case_id, "split", {"message_ids": [inbound[1]["id"], inbound[2]["id"]]}, headers=LAN)

    assert response.status_code == 200, response.text
    new = response.json()
    assert new["id"] != case_id and new["reference"] != source["reference"]
    assert (new["customer_id"], new["channel"], new["status"], new["category"]) == (
        source["customer_id"],
        "sms",
        "new",
        "billing_refund",
    )
    assert [m["id"] for m in new["messages"]] == [inbound[1]["id"], inbound[2]["id"]]
    assert {m["thread_rule"] for m in new["messages"]} == {"split"}
    assert {e["message_id"] for e in new["timeline"] if e["kind"] == "message_split_in"} == {
        inbound[1]["id"],
        inbound[2]["id"],
    }
    assert entry(new, "case_opened")["detail"]["from_reference"] == source["reference"]
    assert {c["target"] for c in new["sla"]["clocks"]} == {"first_response", "resolution"}
    assert new["assignee"] is None, "routed like any new case"
    opened = [e for e in await api.events("case.opened.v1") if e["data"]["case_id"] == new["id"]]
    assert [e["data"]["message_id"] for e in opened] == [inbound[1]["id"]]

    left = await api.case(case_id, LAN)
    assert [m["id"] for m in left["messages"]] == [inbound[0]["id"], acknowledgement["id"]]
    split_out = [e for e in left["timeline"] if e["kind"] == "message_split_out"]
    assert {e["detail"]["to_reference"] for e in split_out} == {new["reference"]}
    assert len(split_out) == 2


async def test_split_refusals(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late", "Still nothing")
    other = await sms_case(api, "Wrong item", number="0912999888")
    messages = (await api.case(case_id))["messages"]
    inbound = [m["id"] for m in messages if m["direction"] == "inbound"]
    outbound = [m["id"] for m in messages if m["direction"] == "outbound"]
    stranger = (await api.case(other))["messages"][0]["id"]

    everything = await act(api, case_id, "split", {"message_ids": inbound})
    not_ours = await act(api, case_id, "split", {"message_ids": [stranger]})
    ours_sent = await act(api, case_id, "split", {"message_ids": outbound})
    nothing = await act(api, case_id, "split", {"message_ids": []})

    assert (everything.status_code, problem_kind(everything)) == (409, "split-would-empty-case")
    assert (not_ours.status_code, problem_kind(not_ours)) == (422, "not-messages-of-case")
    assert (ours_sent.status_code, problem_kind(ours_sent)) == (422, "not-messages-of-case")
    assert (nothing.status_code, problem_kind(nothing)) == (422, "validation-error")
    assert len((await api.case(case_id))["messages"]) == len(messages)


async def test_move_a_message_to_another_case_of_the_customer(api: CaseApi) -> None:
    first = await api.deliver(received("an@example.com", subject="Late parcel", text="Where is my order?"))
    # A second mail with no headers opens its own case; it was about the same parcel.
    second = await api.deliver(received("an@example.com", subject="Hello??", text="Any news on my parcel?"))
    assert first != second
    moved_id = next(m["id"] for m in (await api.case(second))["messages"] if m["direction"] == "inbound")

    target = await done(api, second, "move", {"message_id": moved_id, "to_case_id": first})

    assert target["id"] == first
    moved = next(m for m in target["messages"] if m["id"] == moved_id)
    assert moved["thread_rule"] == "moved"
    assert entry(target, "message_moved_in")["detail"]["from_case_id"] == second
    emptied = await api.case(second)
    assert moved_id not in {m["id"] for m in emptied["messages"]}
    assert entry(emptied, "message_moved_out")["detail"]["to_case_id"] == first
    assert emptied["status"] == "closed", "a case left without customer messages was opened by mistake"
    [closed] = await api.events("case.closed.v1")
    assert closed["data"]["case_id"] == second


async def test_move_refusals(api: CaseApi) -> None:
    first = await api.deliver(received("an@example.com", subject="One", text="Where is my order?"))
    second = await api.deliver(received("an@example.com", subject="Two", text="And the invoice?"))
    stranger = await api.deliver(received("someone.else@example.com", subject="Mine", text="Hello"))
    await api.assign(first, "lan")
    await api.assign(second, "minh")
    message_id = next(m["id"] for m in (await api.case(first))["messages"] if m["direction"] == "inbound")
    acknowledgement = next(m["id"] for m in (await api.case(first))["messages"] if m["direction"] == "outbound")

    other_customer = await act(api, first, "move", {"message_id": message_id, "to_case_id": stranger})
    unknown_target = await act(api, first, "move", {"message_id": message_id, "to_case_id": "no-such-case"})
    not_visible = await act(api, first, "move", {"message_id": message_id, "to_case_id": second}, headers=LAN)
    same = await act(api, first, "move", {"message_id": message_id, "to_case_id": first})
    wrong_message = await act(api, first, "move", {"message_id": acknowledgement, "to_case_id": second})
    missing_field = await act(api, first, "move", {"message_id": message_id})

    assert (other_customer.status_code, problem_kind(other_customer)) == (409, "different-customer")
    assert (unknown_target.status_code, problem_kind(unknown_target)) == (404, "case-not-found")
    assert (not_visible.status_code, problem_kind(not_visible)) == (404, "case-not-found")
    assert (same.status_code, problem_kind(same)) == (409, "same-case")
    assert (wrong_message.status_code, problem_kind(wrong_message)) == (422, "not-a-message-of-case")
    assert missing_field.status_code == 422
    assert message_id in {m["id"] for m in (await api.case(first))["messages"]}


async def test_actions_on_cases_one_cannot_see_are_not_found(api: CaseApi) -> None:
    case_id = await sms_case(api, "My order is late")
    await api.assign(case_id, "minh")
    bodies: list[tuple[str, dict[str, Any] | None]] = [
        ("reply", {"text": "hi"}),
        ("note", {"text": "hi"}),
        ("escalate", {"reason": "x"}),
        ("resolve", {"resolution_code": "a", "root_cause": "b"}),
        ("reopen", {"reason": "x"}),
        ("close", None),
        ("patch", {"priority": "high"}),
        ("split", {"message_ids": ["x"]}),
        ("move", {"message_id": "x", "to_case_id": "y"}),
    ]
    for action, body in bodies:
        foreign = await act(api, case_id, action, body, headers=LAN)
        unknown = await act(api, "no-such-case", action, body)
        assert (foreign.status_code, problem_kind(foreign)) == (404, "case-not-found"), action
        assert (unknown.status_code, problem_kind(unknown)) == (404, "case-not-found"), action
    assert (await api.client.post(f"/v1/cases/{case_id}/note", json={"text": "x"})).status_code == 401
    assert (await api.case(case_id))["status"] == "open"
    assert "note_added" not in kinds(await api.case(case_id))
