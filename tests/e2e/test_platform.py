"""The whole platform, started with `python -m services run`: a complaint goes in at the gateway, is acknowledged and
assigned to an agent, who answers and resolves it with an access token of their own; stopping the launcher leaves
nothing running."""

from __future__ import annotations

import signal
import stat
import uuid
from typing import Any

import httpx

from tests.e2e.launcher import Launchers, none_left
from tests.support.polling import eventually

ALL_SERVICES = ["gateway", "ingest_email", "ingest_sms", "ingest_social", "case_service", "router_service"]
CATEGORIES = [
    "delivery_delay",
    "damaged_goods",
    "product_quality",
    "billing_refund",
    "staff_attitude",
    "technical",
    "other",
]
AGENT = {
    "name": "Lan",
    "skills": dict.fromkeys(CATEGORIES, 2),
    "languages": ["vi", "en"],
    "capacity": 3,
    "presence": "available",
}
COMPLAINT = {
    "channel": "web",
    "sender_address": "Customer@Example.com",
    "sender_name": "Minh",
    "subject": "Late delivery",
    "text": "My order is two weeks late",
    "language": "vi",
}


async def test_a_complaint_posted_at_the_gateway_is_assigned_to_an_agent_and_stop_leaves_nothing(
    launchers: Launchers,
) -> None:
    launcher = await launchers.start(services=ALL_SERVICES)
    await launcher.wait_ready(ALL_SERVICES)

    key_file = launcher.data_dir / "admin.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    headers = {"Authorization": f"Bearer {launcher.admin_key()}"}
    router, cases, gateway = launcher.url("router_service"), launcher.url("case_service"), launcher.url("gateway")

    async with httpx.AsyncClient(trust_env=False, timeout=10, headers=headers) as client:
        agent = await client.put(f"{router}/v1/agents/agent-1", json=AGENT)
        assert agent.status_code in (200, 201), agent.text

        posted = await client.post(
            f"{gateway}/v1/messages", json=COMPLAINT, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert posted.status_code == 202, posted.text
        assert posted.json()["event_id"]

        async def offers() -> list[dict[str, Any]]:
            response = await client.get(f"{router}/v1/agents/agent-1/offers")
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        # The router offers the case first; the agent (not auto-accepting) accepts it through the API.
        [offer] = await eventually(offers, within=60, what="the complaint offered to agent-1")
        accepted = await client.post(f"{router}/v1/offers/{offer['id']}/accept")
        assert accepted.status_code == 200, accepted.text

        async def assignments() -> list[dict[str, Any]]:
            response = await client.get(f"{router}/v1/agents/agent-1/assignments")
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        assigned = await eventually(assignments, within=10, what="the accepted offer as agent-1's assignment")
        assert len(assigned) == 1
        case_id = assigned[0]["case_id"]
        assert case_id == offer["case_id"]

        async def case_with_assignee() -> dict[str, Any] | None:
            response = await client.get(f"{cases}/v1/cases/{case_id}")
            assert response.status_code in (200, 404), response.text
            body: dict[str, Any] = response.json()
            return body if response.status_code == 200 and body["assignee_agent_id"] == "agent-1" else None

        case = await eventually(case_with_assignee, within=30, what="the case to record its assignee")
        inbound = [message["text"] for message in case["messages"] if message["direction"] == "inbound"]
        assert inbound == [COMPLAINT["text"]]
        assert case["category"] == "delivery_delay"
        acknowledgement = [message for message in case["messages"] if message["purpose"] == "acknowledgement"]
        assert len(acknowledgement) == 1 and case["reference"] in acknowledgement[0]["text"]

        customer = await client.get(f"{cases}/v1/customers", params={"contact": "customer@example.com"})
        assert customer.status_code == 200, customer.text
        assert case_id in [summary["id"] for summary in customer.json()["cases"]]

        # The agent works the case with a token of their own; another agent cannot even see it.
        agent_token = await issue_token(client, gateway, agent_id="agent-1")
        other_token = await issue_token(client, gateway, agent_id="agent-2")
        as_agent = {"Authorization": f"Bearer {agent_token}"}
        hidden = await client.get(f"{cases}/v1/cases/{case_id}", headers={"Authorization": f"Bearer {other_token}"})
        assert hidden.status_code == 404, hidden.text
        replied = await client.post(
            f"{cases}/v1/cases/{case_id}/reply", json={"text": "Sorry! It ships today."}, headers=as_agent
        )
        assert replied.status_code == 200, replied.text
        assert replied.json()["first_response_at"] is not None
        resolved = await client.post(
            f"{cases}/v1/cases/{case_id}/resolve",
            json={"resolution_code": "shipped", "root_cause": "warehouse_backlog"},
            headers=as_agent,
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"

        async def assignment_released() -> bool:
            return not await assignments()

        await eventually(assignment_released, within=30, what="the router to release the resolved case")

    assert launcher.pids_running("case_service"), "expected to have seen the service processes"
    launcher.send(signal.SIGTERM)
    assert await launcher.exit_code(within=30) == 0, launcher.output()
    await none_left(launcher)
    assert "Traceback" not in launcher.output()


async def issue_token(client: httpx.AsyncClient, gateway: str, *, agent_id: str) -> str:
    issued = await client.post(f"{gateway}/v1/tokens", json={"role": "agent", "agent_id": agent_id})
    assert issued.status_code == 201, issued.text
    token: str = issued.json()["token"]
    return token


async def test_an_invalid_setting_stops_start_up_with_a_message_naming_it(launchers: Launchers) -> None:
    launcher = await launchers.start(services=ALL_SERVICES, CASE_SERVICE_PORT="notaport")

    code = await launcher.exit_code(within=60)

    assert code != 0
    assert "invalid setting CASE_SERVICE_PORT" in launcher.output()
    await none_left(launcher)
