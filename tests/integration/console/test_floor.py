"""The supervisor's floor against the real router and case service: the queue per skill and priority with its oldest
case, agents by presence with their load, the cases at risk or past their SLA, the offers declined lately, each
number opening the cases behind it; and the routing explanation with its dry run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.console.floor_kit import Staff, staff_platform, text_of


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
