"""The supervisor's floor against the real router and case service: the queue per skill and priority with its oldest
case, agents by presence with their load, the cases at risk or past their SLA, the offers declined lately, each
number opening the cases behind it; and the routing explanation with its dry run."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.case_service.builders import auth
from tests.integration.console.floor_kit import Staff, staff_platform, text_of
from tests.integration.console.support import create, form_token, generated_password, running_console, sign_in
from tests.support.broker import free_port


@pytest.fixture
async def staff(broker: str, tmp_path: Path) -> AsyncIterator[Staff]:
    async with staff_platform(broker, tmp_path) as platform:
        yield platform


async def test_a_case_nobody_can_take_shows_in_the_queue_and_its_number_opens_it(staff: Staff) -> None:
    await staff.put_agent("lan", name="Lan", skills={"delivery_delay": 2}, presence="offline", team="north")
    case_id = await staff.open_case(subject="Giao hàng chậm", text="Đơn hàng của tôi đã trễ hai tuần", language="vi")
    await staff.route(case_id)

    page = await staff.supervisor.get("/floor")
    assert page.status_code == 200
    assert 'data-queue-skill="delivery_delay" data-queue-priority="normal"' in page.text
    row = page.text.split('data-queue-skill="delivery_delay"', 1)[1].split("</tr>", 1)[0]
    assert ">1</a>" in row  # one case waiting
    assert f'href="/routing/{case_id}"' in row  # the oldest waiting case, with its age
    assert "waiting" in text_of(row)
    agents = text_of(page.text.split('data-floor-section="agents"', 1)[1].split("</section>", 1)[0])
    assert "Lan · north" in agents and "offline" in agents and "0%" in agents

    panels = await staff.supervisor.get("/floor/panels")
    assert panels.status_code == 200
    assert "<html" not in panels.text and 'data-floor-section="queue"' in panels.text

    behind = await staff.supervisor.get("/floor/cases", params={"queue": "delivery_delay", "priority": "normal"})
    assert behind.status_code == 200
    assert f'data-case-id="{case_id}"' in behind.text
    assert "Giao hàng chậm" in behind.text

    explained = await staff.supervisor.get(f"/routing/{case_id}")
    assert explained.status_code == 200
    words = text_of(explained.text)
    assert "New case" in words and "queued: no eligible agent with room" in words
    candidate = text_of(explained.text.split('data-candidate="lan"', 1)[1].split("</tr>", 1)[0])
    assert "lan not eligible not available" in candidate

    dry = await staff.supervisor.get(f"/routing/{case_id}", params={"dry_run": "1"})
    assert "If routed now: nobody could take it" in text_of(dry.text)
    await staff.put_agent("minh", name="Minh", skills={"delivery_delay": 3}, presence="available")
    dry = await staff.supervisor.get(f"/routing/{case_id}", params={"dry_run": "1"})
    assert "to minh" in text_of(dry.text)


async def test_agents_load_sla_and_declined_offers_each_open_their_cases(staff: Staff) -> None:
    now = staff.desk.clock.now
    await staff.put_agent("lan", name="Lan", skills={"delivery_delay": 2}, presence="available", auto_accept=False)
    await staff.put_agent("minh", name="Minh", skills={"billing_refund": 2}, presence="available", auto_accept=True)
    staff.desk.clock.at(now - timedelta(hours=5))
    late = await staff.open_case(
        address="an@example.com", subject="Hoàn tiền <b>chưa</b> về", text="Tôi chưa được hoàn tiền"
    )
    staff.desk.clock.at(now - timedelta(hours=3.5))
    risky = await staff.open_case(address="binh@example.com", subject="Refund missing", text="Where is my refund?")
    staff.desk.clock.at(now)
    declined = await staff.open_case(address="cuong@example.com", subject="Giao hàng chậm", text="Giao hàng trễ")
    await staff.desk.run_scheduler()  # the SLA states as the scheduler keeps them
    for case_id in (late, risky, declined):
        await staff.route(case_id)
    offers = (await staff.router_api.get("/v1/agents/lan/offers")).json()["items"]
    assert [offer["case_id"] for offer in offers] == [declined]
    reason = "Tôi <b>đang bận</b>"
    answer = await staff.router_api.post(f"/v1/offers/{offers[0]['id']}/decline", json={"reason": reason})
    assert answer.status_code == 200, answer.text

    page = await staff.supervisor.get("/floor")
    sla = page.text.split('data-floor-section="sla"', 1)[1].split("</section>", 1)[0]
    at_risk = sla.split('data-sla-state="at_risk"', 1)[1].split('data-sla-state="breached"', 1)[0]
    breached = sla.split('data-sla-state="breached"', 1)[1]
    assert 'sla-count">1<' in at_risk and "Refund missing" in at_risk
    assert (
        'sla-count">1<' in breached
        and "Hoàn tiền &lt;b&gt;chưa&lt;/b&gt; về" in breached
        and "overdue 1 h" in text_of(breached)
    )
    minh = page.text.split('data-agent-id="minh"', 1)[1].split("</tr>", 1)[0]
    assert "email 2/2" in text_of(minh) and "100%" in minh
    offers_part = page.text.split('data-floor-section="offers"', 1)[1].split("</section>", 1)[0]
    assert 'data-offers="declined"' in offers_part
    assert text_of(offers_part.split('data-offers="declined">', 1)[1]).startswith("1 declined")
    assert "“Tôi &lt;b&gt;đang bận&lt;/b&gt;”" in offers_part  # the agent's words, escaped

    async def cases_behind(**figure: str) -> set[str]:
        answer = await staff.supervisor.get("/floor/cases", params=figure)
        assert answer.status_code == 200, answer.text
        return set(re.findall(r'data-case-id="([^"]+)"', answer.text))

    assert await cases_behind(sla="at_risk") == {risky}
    assert await cases_behind(sla="breached") == {late}
    assert await cases_behind(agent="minh") == {late, risky}
    assert await cases_behind(offers="declined") == {declined}
    assert await cases_behind(all="assigned") == {late, risky}
    assert await cases_behind(all="waiting") == {declined}  # nobody else has the skill: it waits

    for bad in ({}, {"sla": "late"}, {"queue": "billing_refund"}, {"offers": "x"}, {"sla": "breached", "agent": "a"}):
        answer = await staff.supervisor.get("/floor/cases", params=bad)
        assert answer.status_code == 400, bad
        assert "This link names no figure of the floor." in answer.text
    problem = await staff.supervisor.get("/floor/cases", headers={"Accept": "application/json"})
    assert problem.status_code == 400 and problem.headers["content-type"].startswith("application/problem+json")


async def test_a_recurring_problem_shows_with_its_customers_until_a_supervisor_acknowledges_it(
    broker: str, tmp_path: Path
) -> None:
    async with staff_platform(broker, tmp_path, recurring_min_customers=3) as staff:
        names = ["Nguyễn Văn An", "<img src=x onerror=alert(1)>", "Lê Cường"]
        for index, name in enumerate(names):
            await staff.open_case(
                address=f"customer{index}@example.com", display_name=name, subject="Giao hàng chậm", text="Trễ hàng"
            )
        page = await staff.supervisor.get("/floor")
        alerts = page.text.split('data-floor-section="alerts"', 1)[1].split("</section>", 1)[0]
        assert 'data-alert-value="delivery_delay"' in alerts
        assert "Category rising: delivery delay" in text_of(alerts)
        assert "3 customers, 3 cases" in text_of(alerts)
        assert (
            "Nguyễn Văn An" in alerts and "&lt;img src=x onerror=alert(1)&gt;" in alerts and "<img src=x" not in alerts
        )
        version = re.search(r'data-floor-section="alerts" data-version="([0-9a-f]+)"', page.text)
        assert version is not None
        unchanged = await staff.supervisor.get("/floor/panels", params={"alerts": version[1]})
        part = unchanged.text.split('data-floor-section="alerts"', 1)[1].split("</section>", 1)[0]
        assert "data-unchanged" in part and "Nguyễn Văn An" not in part

        alert_id = re.search(r'data-alert-id="([^"]+)"', alerts)
        assert alert_id is not None
        detail = await staff.supervisor.get(f"/floor/alerts/{alert_id[1]}")
        assert detail.status_code == 200
        assert detail.text.count('href="/customers/') >= 3 and len(re.findall(r'data-case-id="', detail.text)) == 3

        forged = await staff.supervisor.post(f"/floor/alerts/{alert_id[1]}/acknowledge", data={"csrf_token": "x"})
        assert forged.status_code == 403
        token = await staff.form("/floor")
        acknowledged = await staff.supervisor.post(
            f"/floor/alerts/{alert_id[1]}/acknowledge", data={"csrf_token": token}
        )
        assert acknowledged.status_code == 303 and acknowledged.headers["location"] == "/floor?acknowledged=1"
        after = await staff.supervisor.get("/floor?acknowledged=1")
        assert "The alert was acknowledged; it has left the floor." in after.text
        assert "No recurring problem right now." in after.text
        listed = (await staff.desk.client.get("/v1/alerts", params={"status": "acknowledged"}, headers=auth())).json()
        assert [(a["alert_id"], a["acknowledged_by"]) for a in listed["items"]] == [(alert_id[1], "hoa")]


async def test_a_service_that_does_not_answer_is_told_on_its_part_and_the_rest_still_shows(
    staff: Staff, tmp_path: Path
) -> None:
    await staff.open_case(subject="Giao hàng chậm", text="Trễ hàng")
    settings = staff.console.app.state.console.settings.model_copy(
        update={"router_service_url": f"http://127.0.0.1:{free_port()}", "data_dir": tmp_path / "second"}
    )
    async with running_console(settings) as second, second.client() as browser:
        await sign_in(browser, "hoa", staff.supervisor_password)
        page = await browser.get("/floor")
        assert page.status_code == 200
        assert text_of(page.text).count("The routing service does not answer right now.") == 4  # totals, queue...
        assert "No recurring problem right now." in page.text and "sla-count" in page.text
        explained = await browser.get("/routing/some-case")
        assert explained.status_code == 503
        assert "The routing service does not answer right now." in explained.text


async def test_only_supervisors_and_admins_open_the_floor_and_what_hangs_off_it(staff: Staff) -> None:
    async with staff.console.client() as admin, staff.console.client() as agent:
        await sign_in(admin, "admin", staff.console.admin_password())
        password = generated_password(await create(admin, username="lan", role="agent", agent_id="lan"))
        await sign_in(agent, "lan", password)
        for path in ("/floor", "/floor/panels", "/floor/cases?sla=breached", "/routing/x", "/routing?case=C-1"):
            assert (await agent.get(path)).status_code == 403, path
            assert (await admin.get(path)).status_code in (200, 404), path
        token = await form_token(agent, "/customers")
        assert (await agent.post("/floor/alerts/a-1/acknowledge", data={"csrf_token": token})).status_code == 403
