"""The satisfaction survey on SQLite and PostgreSQL: sent when the follow-up falls due, answered from the link without
any other credential, recorded on the case, and a low score puts the case back in the agents' hands."""

from __future__ import annotations

import json
import re

from case_service import actions
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import SUPERVISOR, auth, received, token_auth
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk


async def resolved_and_surveyed(desk: Desk, case_id: str) -> str:
    """Resolve the case four days ago, run the scheduler when its check-back fell due; the survey link's token."""
    await desk.resolve(case_id)
    desk.clock.advance(seconds=desk.policy.follow_up_delay.total_seconds() + 60)
    await desk.run_scheduler()
    return (await desk.survey_tokens())[case_id]


async def test_a_low_score_from_the_link_reopens_the_resolved_case(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(received("an@example.com", text="My order has not arrived."))
    await desk.assign(case_id, "lan")
    await desk.reply(case_id)
    token = await resolved_and_surveyed(desk, case_id)
    case = await desk.api.case(case_id)
    survey_message = [m for m in case["messages"] if m["purpose"] == "survey"]
    assert len(survey_message) == 1 and case["reference"] in survey_message[0]["text"]
    assert token not in survey_message[0]["text"] and "[survey link]" in survey_message[0]["text"]
    assert len(token) >= 43

    form = await desk.client.get(f"/v1/surveys/{token}")
    assert form.status_code == 200, form.text
    assert form.json() == {
        "case_reference": case["reference"],
        "question": form.json()["question"],
        "answered": False,
        "expired": False,
    }
    assert case["reference"] in form.json()["question"]

    answered = await desk.client.post(f"/v1/surveys/{token}", json={"score": 2, "comment": " Too slow. "})

    assert answered.status_code == 200, answered.text
    assert set(answered.json()) == {"case_reference", "score", "thanks"}, "nothing about the case leaks"
    assert (answered.json()["case_reference"], answered.json()["score"]) == (case["reference"], 2)
    after = await desk.api.case(case_id)
    assert (after["status"], after["reopen_count"]) == ("open", 1)
    assert (after["csat"]["score"], after["csat"]["comment"]) == (2, "Too slow.")
    kinds = [entry["kind"] for entry in after["timeline"]]
    assert "csat_recorded" in kinds
    reopened_entry = [e for e in after["timeline"] if e["kind"] == "status_changed"][-1]
    assert reopened_entry["detail"]["reason"] == "low satisfaction score 2"
    [reopened] = await desk.api.events("case.reopened.v1")
    assert reopened["data"]["case_id"] == case_id
    assert (reopened["data"]["reason"], reopened["data"]["previous_agent_id"]) == ("low satisfaction score 2", "lan")
    customer = await desk.get(f"/v1/customers/{after['customer_id']}", auth())
    assert [(h["case_id"], h["score"], h["comment"]) for h in customer["csat_history"]] == [(case_id, 2, "Too slow.")]

    again = await desk.client.post(f"/v1/surveys/{token}", json={"score": 5})
    assert (again.status_code, problem_kind(again)) == (409, "survey-already-answered")
    assert (await desk.client.get(f"/v1/surveys/{token}")).json()["answered"] is True


async def test_a_good_score_is_recorded_and_the_case_stays_resolved(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(received("an@example.com", text="Hàng giao chậm quá", language="vi"))
    token = await resolved_and_surveyed(desk, case_id)

    answered = await desk.client.post(f"/v1/surveys/{token}", json={"score": 5})

    assert answered.status_code == 200, answered.text
    assert answered.json()["thanks"].startswith("Cảm ơn"), "thanked in the case's language"
    case = await desk.api.case(case_id)
    assert (case["status"], case["csat"]["score"], case["csat"]["comment"]) == ("resolved", 5, None)
    assert await desk.api.events("case.reopened.v1") == []


async def test_a_low_score_on_a_closed_case_gives_its_agent_a_follow_up_task(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(received("an@example.com"))
    await desk.assign(case_id, "lan")
    await desk.resolve(case_id)
    await desk.act(case_id, actions.close, policy=desk.policy, reason="done")
    desk.clock.advance(seconds=desk.policy.follow_up_delay.total_seconds() + 60)
    await desk.run_scheduler()
    token = (await desk.survey_tokens())[case_id]

    answered = await desk.client.post(f"/v1/surveys/{token}", json={"score": 1, "comment": "Nobody helped"})

    assert answered.status_code == 200, answered.text
    case = await desk.api.case(case_id)
    assert (case["status"], case["csat"]["score"]) == ("closed", 1), "a closed case is final"
    tasks = (await desk.get("/v1/follow-ups", token_auth(agent_id="lan"), state="due"))["items"]
    low_score_tasks = [task for task in tasks if task["note"] and "low satisfaction score 1" in task["note"]]
    assert [task["case_id"] for task in low_score_tasks] == [case_id]
    due = [e["data"] for e in await desk.api.events("case.follow_up_due.v1")]
    assert {"follow_up_id": low_score_tasks[0]["id"], "agent_id": "lan"}.items() <= next(
        d for d in due if d["follow_up_id"] == low_score_tasks[0]["id"]
    ).items()
    assert await desk.api.events("case.reopened.v1") == []


async def test_surveys_refuse_what_they_cannot_take(desk: Desk) -> None:
    desk.clock.advance(days=-30)  # long enough ago for the survey to have expired
    case_id = await desk.deliver(received("an@example.com"))
    token = await resolved_and_surveyed(desk, case_id)

    expired = await desk.client.post(f"/v1/surveys/{token}", json={"score": 4})
    assert (expired.status_code, problem_kind(expired)) == (410, "survey-expired")
    assert (await desk.client.get(f"/v1/surveys/{token}")).json()["expired"] is True
    for body in [{}, {"score": 0}, {"score": 6}, {"score": "great"}, {"score": 3, "extra": 1}]:
        invalid = await desk.client.post(f"/v1/surveys/{token}", json=body)
        assert (invalid.status_code, problem_kind(invalid)) == (422, "validation-error"), body
    unknown_token = "x" * 43
    for response in [
        await desk.client.get(f"/v1/surveys/{unknown_token}"),
        await desk.client.post(f"/v1/surveys/{unknown_token}", json={"score": 3}),
    ]:
        assert (response.status_code, problem_kind(response)) == (404, "survey-not-found")
    assert (await desk.api.case(case_id))["csat"] is None


async def test_no_survey_for_opted_out_customers_or_phone_notes(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    opted_out = await desk.deliver(received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS))
    customer_id = (await desk.api.case(opted_out))["customer_id"]
    patched = await desk.client.patch(f"/v1/customers/{customer_id}", json={"opted_out": True}, headers=SUPERVISOR)
    assert patched.status_code == 200
    phone_note = await desk.deliver(
        received("0987654321", kind=AddressKind.PHONE, channel=Channel.PHONE, text="Called about a broken cup")
    )
    for case_id in (opted_out, phone_note):
        await desk.resolve(case_id)
    desk.clock.advance(seconds=desk.policy.follow_up_delay.total_seconds() + 60)

    await desk.run_scheduler()

    assert await desk.survey_tokens() == {}
    for case_id, why in [(opted_out, "opted out"), (phone_note, "phone note")]:
        case = await desk.api.case(case_id)
        [skipped] = [e for e in case["timeline"] if e["kind"] == "survey_skipped"]
        assert why in skipped["detail"]["reason"]
        assert not [m for m in case["messages"] if m["purpose"] == "survey"]


# Whatever in a text could be a survey token: a URL-safe run as long as the shortest token the route takes.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{16,64}")


async def test_an_agent_can_read_no_working_survey_token_of_their_case(desk: Desk) -> None:
    """The link's token answers the survey: the agent reads the survey message without it, wherever they look, and
    nothing they can read answers it; the customer's link (as the channel got it) does."""
    lan = token_auth(agent_id="lan")
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(received("an@example.com", text="My order has not arrived."))
    await desk.assign(case_id, "lan")
    await desk.reply(case_id)
    token = await resolved_and_surveyed(desk, case_id)
    case = await desk.api.case(case_id)
    # A customer writing back by mail quotes the survey, link and all.
    quoted = f"Why was it so slow?\n\n> or answer at {desk.policy.survey_url(token)}. Thank you!"
    reply = received("an@example.com", text=quoted, subject=f"Re: [#{case['reference']}]")
    assert await desk.deliver(reply.model_copy(update={"html": f"<p>{quoted}</p>"})) == case_id

    readable = [
        await desk.get(f"/v1/cases/{case_id}", lan),
        await desk.get("/v1/cases", lan),
        await desk.get(f"/v1/customers/{case['customer_id']}", lan),
        await desk.get("/v1/customers", lan, contact="an@example.com"),
        await desk.get("/v1/follow-ups", lan),
    ]
    seen = json.dumps(readable, ensure_ascii=False)
    assert token not in seen
    assert "[survey link]" in seen
    candidates = set(_TOKEN_LIKE.findall(seen))
    assert candidates, "the texts the agent reads hold nothing token-like at all: the test reads too little"
    for candidate in candidates:
        refused = await desk.client.post(f"/v1/surveys/{candidate}", json={"score": 5}, headers=lan)
        assert refused.status_code in (404, 422), candidate
    assert (await desk.get(f"/v1/cases/{case_id}", lan))["csat"] is None

    answered = await desk.client.post(f"/v1/surveys/{token}", json={"score": 4})
    assert answered.status_code == 200, answered.text
    assert (await desk.get(f"/v1/cases/{case_id}", lan))["csat"]["score"] == 4


async def test_a_mail_whose_sender_failed_authentication_does_not_answer_the_survey(desk: Desk) -> None:
    desk.clock.advance(days=-4)
    case_id = await desk.deliver(received("an@example.com", text="My order has not arrived."))
    await desk.assign(case_id, "lan")
    await resolved_and_surveyed(desk, case_id)
    failed = {"authentication": {"spf": "fail", "dkim": None, "dmarc": "fail", "verdict": "fail"}}
    forged = received("an@example.com", text="1", subject="Re: survey").model_copy(update={"metadata": failed})
    assert await desk.deliver(forged) != case_id
    assert (await desk.api.case(case_id))["csat"] is None

    await desk.deliver(received("an@example.com", text="4", subject="Re: survey"))
    assert (await desk.api.case(case_id))["csat"]["score"] == 4
