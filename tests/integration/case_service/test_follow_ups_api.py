"""Follow-up tasks over HTTP on SQLite and PostgreSQL: a resolution schedules a check-back, the scheduler makes it due,
the agent sees their own tasks and marks them done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from case_service.scheduler import Scheduler
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, MINH, SUPERVISOR, auth, received, token_auth
from tests.integration.case_service.case_api import CaseApi, problem_kind


async def resolved_case(api: CaseApi, number: str, agent_id: str) -> str:
    data = received(number, kind=AddressKind.PHONE, channel=Channel.SMS, subject=None, text="My parcel is late")
    case_id = await api.deliver(data)
    await api.assign(case_id, agent_id)
    response = await api.client.post(
        f"/v1/cases/{case_id}/resolve",
        json={"resolution_code": "reshipped", "root_cause": "courier"},
        headers=token_auth(agent_id=agent_id),
    )
    assert response.status_code == 200, response.text
    return case_id


async def follow_ups(api: CaseApi, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/v1/follow-ups", params=params, headers=headers or auth())
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def make_due(api: CaseApi) -> None:
    """Run the scheduler as of the day after the default three-day delay."""
    runtime = api.app.state.runtime
    scheduler = Scheduler(runtime.sessions, policy=api.app.state.policy, settings=runtime.settings, wake=lambda: None)
    await scheduler.run_due(now=datetime.now(UTC) + timedelta(days=4))


async def test_a_resolution_schedules_a_check_back_that_comes_due(api: CaseApi) -> None:
    lans = await resolved_case(api, "0912000001", "lan")
    minhs = await resolved_case(api, "0912000002", "minh")
    reference = (await api.case(lans))["reference"]

    assert await follow_ups(api) == [], "nothing due yet"
    [scheduled] = await follow_ups(api, LAN, state="scheduled")
    assert (scheduled["case_id"], scheduled["case_reference"], scheduled["agent_id"]) == (lans, reference, "lan")
    due_in = datetime.fromisoformat(scheduled["due_at"]) - datetime.fromisoformat(scheduled["created_at"])
    assert due_in == timedelta(days=3)

    await make_due(api)

    [due] = await follow_ups(api, LAN)
    assert (due["id"], due["state"], due["fired_at"] is not None) == (scheduled["id"], "due", True)
    assert {item["case_id"] for item in await follow_ups(api, SUPERVISOR)} == {lans, minhs}
    assert [item["case_id"] for item in await follow_ups(api, SUPERVISOR, agent_id="minh")] == [minhs]
    assert await follow_ups(api, LAN, agent_id="minh") == [], "an agent sees only their own"
    assert await follow_ups(api, LAN, state="scheduled") == []


async def test_done_with_a_note_goes_on_the_timeline(api: CaseApi) -> None:
    case_id = await resolved_case(api, "0912000001", "lan")
    await make_due(api)
    [task] = await follow_ups(api, LAN)

    response = await api.client.post(
        f"/v1/follow-ups/{task['id']}/done", json={"note": "Customer got the parcel."}, headers=LAN
    )

    assert response.status_code == 200, response.text
    finished = response.json()
    assert (finished["state"], finished["done_by"], finished["note"]) == ("done", "lan", "Customer got the parcel.")
    assert finished["done_at"] is not None
    assert await follow_ups(api, LAN) == []
    assert [item["id"] for item in await follow_ups(api, LAN, state="done")] == [task["id"]]
    entry = next(e for e in (await api.case(case_id))["timeline"] if e["kind"] == "follow_up_done")
    assert (entry["actor_id"], entry["detail"]["note"]) == ("lan", "Customer got the parcel.")

    twice = await api.client.post(f"/v1/follow-ups/{task['id']}/done", headers=LAN)
    assert (twice.status_code, problem_kind(twice)) == (409, "follow-up-closed")


async def test_a_check_back_can_be_done_before_it_is_due(api: CaseApi) -> None:
    await resolved_case(api, "0912000001", "lan")
    [task] = await follow_ups(api, state="scheduled")

    response = await api.client.post(f"/v1/follow-ups/{task['id']}/done", headers=SUPERVISOR)

    assert (response.status_code, response.json()["state"], response.json()["note"]) == (200, "done", None)
    await make_due(api)
    assert await follow_ups(api) == [], "a finished task never comes due"


async def test_a_reopened_case_cancels_its_check_back(api: CaseApi) -> None:
    case_id = await resolved_case(api, "0912000001", "lan")
    reopened = await api.client.post(f"/v1/cases/{case_id}/reopen", json={"reason": "not fixed"}, headers=LAN)
    assert reopened.status_code == 200

    [cancelled] = await follow_ups(api, LAN, state="cancelled")
    assert cancelled["case_id"] == case_id
    refused = await api.client.post(f"/v1/follow-ups/{cancelled['id']}/done", headers=LAN)
    assert (refused.status_code, problem_kind(refused)) == (409, "follow-up-closed")


async def test_someone_elses_or_an_unknown_task_is_not_found(api: CaseApi) -> None:
    await resolved_case(api, "0912000001", "lan")
    [task] = await follow_ups(api, state="scheduled")

    foreign = await api.client.post(f"/v1/follow-ups/{task['id']}/done", headers=MINH)
    unknown = await api.client.post("/v1/follow-ups/no-such-task/done", headers=auth())
    bad_state = await api.client.get("/v1/follow-ups", params={"state": "someday"}, headers=auth())
    anonymous = await api.client.get("/v1/follow-ups")

    assert (foreign.status_code, problem_kind(foreign)) == (404, "follow-up-not-found")
    assert (unknown.status_code, problem_kind(unknown)) == (404, "follow-up-not-found")
    assert (bad_state.status_code, problem_kind(bad_state)) == (422, "validation-error")
    assert anonymous.status_code == 401
    assert [item["state"] for item in await follow_ups(api, state="scheduled")] == ["scheduled"]
