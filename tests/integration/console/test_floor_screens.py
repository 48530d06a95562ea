"""The supervisor's other screens against the real services: reports with their charts and the CSV of the cases
behind them, customers (search, the 360 view, duplicates, merge and undo), dead letters (inspect, replay) and the
router's agents (create, edit, refusals, and the console users who work as each)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from shared import topics
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import received
from tests.integration.console.floor_kit import Staff, staff_platform, text_of
from tests.integration.console.support import create, form_token, generated_password, sign_in
from tests.support.polling import eventually


@pytest.fixture
async def staff(broker: str, tmp_path: Path) -> AsyncIterator[Staff]:
    async with staff_platform(broker, tmp_path) as platform:
        yield platform


async def test_reports_draw_the_period_and_export_the_cases_behind_it(staff: Staff) -> None:
    now = staff.desk.clock.now
    for days_ago, address, channel, kind in (
        (3, "an@example.com", Channel.EMAIL, AddressKind.EMAIL),
        (3, "0912000002", Channel.SMS, AddressKind.PHONE),
        (1, "cuong@example.com", Channel.EMAIL, AddressKind.EMAIL),
    ):
        staff.desk.clock.at(now - timedelta(days=days_ago))
        await staff.open_case(address=address, channel=channel, kind=kind, subject=None, text="Giao hàng chậm quá")
    staff.desk.clock.at(now)
    since, until = (now - timedelta(days=6)).date().isoformat(), now.date().isoformat()

    page = await staff.supervisor.get("/reports", params={"since": since, "until": until})
    assert page.status_code == 200
    words = text_of(page.text)
    assert "3 cases opened in the period" in words
    assert page.text.count('<rect x="') >= 7  # a column per day of the period, and the bars
    assert 'data-channel="email"' in page.text and 'data-channel="sms"' in page.text
    email = page.text.split('data-channel="email">', 1)[1].split("</tr>", 1)[0]
    assert ">2<" in email and "channel=email" in email
    assert 'data-figure="sla_attainment"' in page.text and "Survey response rate" in words

    exported = await staff.supervisor.get("/reports/cases.csv", params={"since": since, "until": until})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == f'attachment; filename="cases-{since}-{until}.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3 and {row["channel"] for row in rows} == {"email", "sms"}
    sms = await staff.supervisor.get("/reports/cases.csv", params={"since": since, "until": until, "channel": "sms"})
    assert [row["channel"] for row in csv.DictReader(io.StringIO(sms.text))] == ["sms"]

    for bad, message in (
        ({"since": "yesterday"}, "A date is not valid (YYYY-MM-DD)."),
        ({"since": until, "until": since}, "The start is after the end."),
        ({"since": "2020-01-01", "until": "2024-01-01"}, "A report covers at most 366 days."),
    ):
        refused = await staff.supervisor.get("/reports", params=bad)
        assert refused.status_code == 400 and message in refused.text
        refused = await staff.supervisor.get("/reports/cases.csv", params=bad)
        assert refused.status_code == 400 and message in refused.text
    unknown = await staff.supervisor.get("/reports/cases.csv", params={"channel": "pigeon"})
    assert unknown.status_code == 422 and "The case service refused" in unknown.text


async def test_a_customer_is_found_by_name_or_address_and_seen_across_channels(staff: Staff) -> None:
    email = received(
        "an.nguyen@example.com",
        display_name="Nguyễn Văn An",
        customer_ref="crm-1",
        subject="<script>alert(1)</script>",
        text="Đơn hàng <b>trễ</b>",
    )
    await staff.open_case(email)
    sms = received("0912000001", kind=AddressKind.PHONE, channel=Channel.SMS, customer_ref="crm-1", subject=None)
    await staff.open_case(sms)

    for query in ("nguyen van", "an.nguyen@", "0912 000 001", "AN.NGUYEN@example.com"):
        found = await staff.supervisor.get("/customers", params={"q": query})
        assert found.status_code == 200
        assert len(re.findall(r"data-customer-id=", found.text)) == 1, query
    customer_id = re.findall(r'data-customer-id="([^"]+)"', found.text)[0]
    assert "Type at least 2 characters." in (await staff.supervisor.get("/customers", params={"q": "a"})).text

    page = await staff.supervisor.get(f"/customers/{customer_id}")
    assert page.status_code == 200
    history = page.text.split('id="history-title"', 1)[1]
    assert history.count('class="message message-inbound"') == 2
    assert "email" in history and "SMS" in history
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "Đơn hàng &lt;b&gt;trễ&lt;/b&gt;" in page.text
    assert (await staff.supervisor.get("/customers/no-such-customer")).status_code == 404


async def test_duplicates_are_suggested_with_their_evidence_merged_and_the_merge_undone(staff: Staff) -> None:
    await staff.open_case(address="binh@shop.vn", display_name="Trần Thị Bình", subject="Hàng vỡ", text="Hàng bị vỡ")
    await staff.open_case(address="binh.tran@shop.vn", display_name="Tran Thi Binh", subject="Vỡ", text="Hàng vỡ")
    found = await staff.supervisor.get("/customers", params={"q": "binh"})
    first, second = re.findall(r'data-customer-id="([^"]+)"', found.text)

    page = await staff.supervisor.get(f"/customers/{first}")
    duplicate = page.text.split(f'data-duplicate="{second}"', 1)[1].split("</form>", 1)[0]
    assert "same name, overlapping contacts" in text_of(duplicate)
    token = await staff.form(f"/customers/{first}")
    merged = await staff.supervisor.post(
        f"/customers/{first}/merge", data={"csrf_token": token, "other_customer_id": second}
    )
    assert merged.status_code == 303
    target = merged.headers["location"]
    assert target.startswith(f"/customers/{first}?merge=") and f"merged={second}" in target
    after = await staff.supervisor.get(target)
    assert "The other customer was merged into this one." in after.text
    assert "This customer was merged into another." in (await staff.supervisor.get(f"/customers/{second}")).text
    undo = re.search(r'action="(/customers/[^"]+/undo)"', after.text)
    assert undo is not None
    undone = await staff.supervisor.post(undo[1], data={"csrf_token": token})
    assert undone.status_code == 303 and undone.headers["location"] == f"/customers/{first}?undone=1"
    assert "The merge was undone" in (await staff.supervisor.get(undone.headers["location"])).text
    assert "merged into another" not in (await staff.supervisor.get(f"/customers/{second}")).text

    itself = await staff.supervisor.post(
        f"/customers/{first}/merge", data={"csrf_token": token, "other_customer_id": first}
    )
    assert itself.status_code == 400 and "Pick another customer to merge." in itself.text
    unknown = await staff.supervisor.post(
        f"/customers/{first}/merge", data={"csrf_token": token, "other_customer_id": "x"}
    )
    assert unknown.status_code == 404 and "The case service refused" in unknown.text

    async with staff.console.client() as admin, staff.console.client() as agent:
        await sign_in(admin, "admin", staff.console.admin_password())
        await sign_in(agent, "lan", generated_password(await create(admin, username="lan", agent_id="lan")))
        assert (await agent.get("/customers")).status_code == 200
        assert 'data-customer-id="' not in (await agent.get("/customers", params={"q": "binh"})).text  # not theirs
        agent_token = await form_token(agent, "/customers")
        refused = await agent.post(
            f"/customers/{first}/merge", data={"csrf_token": agent_token, "other_customer_id": second}
        )
        assert refused.status_code == 403


async def test_a_dead_letter_is_inspected_escaped_and_replayed_to_its_topic(staff: Staff) -> None:
    value = b'{"specversion": "1.0", "data": {"text": "<script>alert(1)</script>"}}'
    letter = await staff.dead_letter(topic=topics.COMPLAINTS_INBOUND, value=value, reason="schema invalid: type")
    listing = await staff.supervisor.get("/deadletters")
    assert listing.status_code == 200
    row = listing.text.split(f'data-letter-id="{letter.id}"', 1)[1].split("</tr>", 1)[0]
    assert "complaints.inbound.v1" in row and "schema invalid: type" in row and "not yet" in row
    assert "1 dead letters by source" in text_of(listing.text)

    page = await staff.supervisor.get(f"/deadletters/{letter.id}")
    shown = page.text.split('id="letter-value">', 1)[1].split("</pre>", 1)[0]
    assert '"text": "&lt;script&gt;alert(1)&lt;/script&gt;"' in shown.replace("&#34;", '"')
    assert "<script>alert" not in page.text

    token = await staff.form(f"/deadletters/{letter.id}")
    replayed = await staff.supervisor.post(f"/deadletters/{letter.id}/replay", data={"csrf_token": token})
    assert replayed.status_code == 303 and replayed.headers["location"] == f"/deadletters/{letter.id}?replayed=1"
    after = await staff.supervisor.get(replayed.headers["location"])
    assert "Published again to complaints.inbound.v1" in after.text
    assert "1 time(s)" in after.text.split('id="letter-replays">', 1)[1].split("</dd>", 1)[0]

    missing = await staff.supervisor.get("/deadletters/no-such-letter")
    assert missing.status_code == 404 and "There is no such dead letter." in missing.text


async def test_an_agent_is_created_and_edited_through_the_form(staff: Staff) -> None:
    token = await staff.form("/agents/new")
    form = {
        "csrf_token": token,
        "agent_id": "lan",
        "name": "Lan",
        "team": "north",
        "languages": "vi, en",
        "presence": "available",
        "max_total": "3",
        "limit_sms": "1",
        "channel": ["email", "sms"],
        "skill_name": ["delivery_delay", "billing_refund", "", "vip"],
        "skill_level": ["2", "", "", "4"],
    }
    created = await staff.supervisor.post("/agents", data=form)
    assert created.status_code == 303, created.text
    agent = (await staff.router_api.get("/v1/agents/lan")).json()
    assert (agent["name"], agent["team"], agent["presence"]) == ("Lan", "north", "available")
    assert agent["skills"] == {"delivery_delay": 2, "vip": 4}
    assert agent["channels"] == ["email", "sms"] and agent["capacity"] == {"email": 3, "sms": 1}
    assert agent["max_total"] == 3

    again = await staff.supervisor.post("/agents", data=form)
    assert again.status_code == 400 and "An agent with this id exists already." in again.text
    edit = await staff.supervisor.get("/agents/lan")
    assert 'value="north"' in edit.text and 'name="limit_sms" value="1"' in edit.text
    changed = {**form, "team": "south", "skill_level": ["3", "1", "", ""], "presence": ""}
    del changed["agent_id"]
    assert (await staff.supervisor.post("/agents/lan", data=changed)).status_code == 303
    agent = (await staff.router_api.get("/v1/agents/lan")).json()
    assert (agent["team"], agent["skills"], agent["presence"]) == (
        "south",
        {"delivery_delay": 3, "billing_refund": 1},
        "available",
    )

    wrong = {
        **changed,
        "name": "",
        "languages": "vietnamese!",
        "max_total": "0",
        "channel": [],
        "skill_level": ["9", "", "", ""],
    }
    refused = await staff.supervisor.post("/agents/lan", data=wrong)
    assert refused.status_code == 400
    for message in (
        "A name is needed",
        "Give at least one language code",
        "Cases at once: a number from 1 to 1000.",
        "Choose at least one channel.",
        "Each skill needs a name",
    ):
        assert message in refused.text, message
    assert 'value="vietnamese!"' in refused.text  # what was typed stays
    assert (await staff.router_api.get("/v1/agents/lan")).json()["team"] == "south"  # nothing changed
    bad_id = await staff.supervisor.post("/agents", data={**form, "agent_id": "-lan/../x"})
    assert bad_id.status_code == 400 and "Agent id: up to 100" in bad_id.text
    assert (await staff.supervisor.get("/agents/nobody")).status_code == 404

    async with staff.console.client() as admin:
        await sign_in(admin, "admin", staff.console.admin_password())
        listing = await admin.get("/agents")
        link = re.search(r'href="(/users/new\?agent_id=lan[^"]*)"', listing.text)
        assert link is not None
        prefilled = await admin.get(link[1].replace("&amp;", "&"))
        assert 'id="agent_id" name="agent_id" value="lan"' in prefilled.text and 'value="Lan"' in prefilled.text
        await create(admin, username="lan.nguyen", display_name="Nguyễn Lan", agent_id="lan")
    listing = await staff.supervisor.get("/agents")
    row = listing.text.split('data-agent-id="lan"', 1)[1].split("</tr>", 1)[0]
    assert "Nguyễn Lan" in row and "(lan.nguyen)" in row

    async def presence_filter() -> bool:
        only = await staff.supervisor.get("/agents", params={"presence": "offline"})
        return 'data-agent-id="lan"' not in only.text and "No agent matches." in only.text

    await eventually(presence_filter, what="the presence filter")
