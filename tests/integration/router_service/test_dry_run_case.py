"""A dry run of a case the router knows, by its id: its markers, preferred skills, refusals and current holder count;
nothing changes. And the routing explanation of a case, in words."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from router_service import domain
from tests.integration.router_service.helpers import AGENT, decisions, outbox_rows, route
from tests.integration.router_service.test_api import assert_problem, sessions_of

OFFERED = {**AGENT, "skills": {"billing": 2}, "auto_accept": False, "presence": "available"}


async def dry_run(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post("/v1/routing/dry-run", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_preferred_skill_only_one_agent_has_puts_that_agent_first(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/an", json=OFFERED)
    await client.put("/v1/agents/binh", json={**OFFERED, "skills": {"billing": 2, "refunds": 1}})
    await client.put("/v1/agents/dung", json={**OFFERED, "skills": {"billing": 1, "refunds": 2}})
    sessions = sessions_of(app)
    await route(sessions, "case-1", preferred_skills=("Refunds",))  # dung: has refunds, least over-qualified
    before = ([d.id for d in await decisions(sessions, "case-1")], len(await outbox_rows(sessions)))

    result = await dry_run(client, {"case_id": "case-1"})

    assert result["ranked"] == ["binh", "an"], "binh has the preferred skill; dung holds the case"
    assert (result["agent_id"], result["outcome"]) == ("binh", "offered")
    assert result["case"]["state"] == "offered" and result["case"]["holder_agent_id"] == "dung"
    assert result["case"]["preferred_skills"] == ["refunds"]
    assert result["requirement"]["preferred_skills"] == ["refunds"]
    candidates = {c["agent_id"]: c for c in result["candidates"]}
    assert candidates["binh"]["score"]["preferred_skills"] == 1 and candidates["an"]["score"]["preferred_skills"] == 0
    assert candidates["dung"]["reasons"] == [domain.HOLDS_CASE]
    assert candidates["binh"]["summary"].startswith("binh: ranked 1, chosen;")
    assert "has 1 of the preferred skills" in candidates["binh"]["summary"]
    assert "Offered to dung" in result["summary"] and "If routed now: offered to binh." in result["summary"]

    hypothetical = await dry_run(client, {"skill": "billing", "channel": "email", "language": "vi"})
    assert hypothetical["ranked"][0] == "dung", "without the case: no preferred skill, nobody holds it"
    preferring = await dry_run(client, {"skill": "billing", "channel": "email", "preferred_skills": ["refunds"]})
    assert preferring["ranked"] == ["dung", "binh", "an"]

    after = ([d.id for d in await decisions(sessions, "case-1")], len(await outbox_rows(sessions)))
    assert after == before, "nothing recorded, nothing announced"
    dung = (await client.get("/v1/agents/dung")).json()
    assert dung["active_cases"] == 1 and [
        o["case_id"] for o in (await client.get("/v1/agents/dung/offers")).json()["items"]
    ] == ["case-1"], "the offer stands"
    assert (await client.get("/v1/agents/binh")).json()["active_cases"] == 0


async def test_a_waiting_angry_customer_needs_the_level_its_marker_calls_for(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/an", json={**OFFERED, "skills": {"billing": 1}})
    await client.put("/v1/agents/tam", json={**OFFERED, "skills": {"billing": 3}, "presence": "offline"})
    await route(sessions_of(app), "case-1", markers=("Angry",))  # an is below level 2: queued

    result = await dry_run(client, {"case_id": "case-1"})

    assert (result["agent_id"], result["outcome"], result["ranked"]) == (None, "queued", [])
    assert result["requirement"]["min_level"] == 2
    assert result["requirement"]["levels_called_for"] == {"priority normal": 1, "marker angry": 2}
    assert (result["requirement"]["markers"], result["requirement"]["source"]) == (["angry"], "queue")
    assert (result["case"]["state"], result["case"]["holder_agent_id"]) == ("waiting", None)
    candidates = {c["agent_id"]: c for c in result["candidates"]}
    assert candidates["an"]["reasons"] == [domain.LEVEL_BELOW_MINIMUM]
    assert candidates["an"]["summary"] == "an: not eligible: skill level below minimum (billing 1, needs 2)."
    assert candidates["tam"]["summary"] == "tam: not eligible: not available (offline)."
    assert "marker angry calls for 2" in result["summary"]

    ignoring_markers = await dry_run(client, {"skill": "billing", "channel": "email"})
    assert ignoring_markers["agent_id"] == "an", "level 1 by its priority alone"
    with_marker = await dry_run(client, {"skill": "billing", "channel": "email", "markers": ["angry"]})
    assert (with_marker["requirement"]["min_level"], with_marker["agent_id"]) == (2, None)
    assert with_marker["requirement"]["markers"] == ["angry"]

    await client.put("/v1/agents/tam/presence", json={"presence": "available"})  # the queue drains to tam
    assigned = await dry_run(client, {"case_id": "case-1"})
    assert (assigned["case"]["state"], assigned["case"]["holder_agent_id"]) == ("offered", "tam")
    assert assigned["requirement"]["source"] == "offer" and assigned["requirement"]["min_level"] == 2
    assert assigned["case"]["markers"] == ["angry"], "kept through the queue into the offer"


async def test_agents_who_refused_the_case_are_not_candidates_again(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/an", json=OFFERED)
    await client.put("/v1/agents/binh", json={**OFFERED, "skills": {"billing": 3}})
    await route(sessions_of(app), "case-1")
    [offer] = (await client.get("/v1/agents/an/offers")).json()["items"]
    await client.post(f"/v1/offers/{offer['id']}/decline", json={"reason": "off sick"})
    accepted = await client.post(
        f"/v1/offers/{(await client.get('/v1/agents/binh/offers')).json()['items'][0]['id']}/accept"
    )
    assert accepted.status_code == 200, accepted.text

    result = await dry_run(client, {"case_id": "case-1"})
    assert (result["case"]["state"], result["case"]["holder_agent_id"]) == ("assigned", "binh")
    reasons = {c["agent_id"]: c["reasons"] for c in result["candidates"]}
    assert reasons == {"an": [domain.DECLINED_BEFORE], "binh": [domain.HOLDS_CASE]}
    assert result["outcome"] == "queued"


async def test_a_dry_run_names_the_case_or_a_requirement(client: httpx.AsyncClient):
    unknown = assert_problem(await client.post("/v1/routing/dry-run", json={"case_id": "never-seen"}), 404)
    assert unknown["type"].endswith("/not-found")
    both = assert_problem(await client.post("/v1/routing/dry-run", json={"case_id": "c", "skill": "billing"}), 422)
    assert "case_id alone" in both["errors"][0]["message"]
    neither = assert_problem(await client.post("/v1/routing/dry-run", json={"language": "vi"}), 422)
    assert "skill, channel" in neither["errors"][0]["message"]
    assert_problem(await client.post("/v1/routing/dry-run", json={"case_id": ""}), 422)
    assert_problem(await client.post("/v1/routing/dry-run", json={"case_id": "x" * 101}), 422)


async def test_the_routing_explanation_says_in_words_what_happened(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/an", json=OFFERED)
    await client.put("/v1/agents/hoa", json={**OFFERED, "skills": {"billing": 1}, "presence": "away"})
    await route(sessions_of(app), "case-1", markers=("angry",), preferred_skills=("refunds",))
    [offer] = (await client.get("/v1/agents/an/offers")).json()["items"]
    await client.post(f"/v1/offers/{offer['id']}/decline", json={"reason": "not my area"})

    answer = await client.get("/v1/cases/case-1/routing")
    assert answer.status_code == 200, answer.text
    [opened, declined, queued] = answer.json()["decisions"]
    assert opened["summary"] == (
        "New case: offered to an. Needs billing at level 2 or above, in vi, on email (markers: angry; preferred "
        "skills: refunds). 2 considered, 1 eligible; not eligible: hoa (not available, skill level below minimum)."
    )
    assert declined["summary"].startswith("Offer declined: an declined the offer; the case is routed again")
    assert queued["summary"].startswith("Offer declined: queued, no eligible agent with room.")
    assert "an (declined this case before)" in queued["summary"]
    an = next(c for c in opened["candidates"] if c["agent_id"] == "an")
    assert an["summary"].startswith("an: ranked 1, chosen; exactly the minimum level, 0% occupied, never given")
    assert opened["outcome"] == "offered" and opened["trigger"] == "case_opened", "the codes stay"
