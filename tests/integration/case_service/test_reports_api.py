"""GET /v1/reports and /v1/reports/cases.csv on SQLite and PostgreSQL over a small desk whose every time is known: the
figures a supervisor charts, and the CSV of the cases behind them, with nothing in it a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from case_service import actions
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, SUPERVISOR, received
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk, running_desk

LATE = "My order has not arrived."
BROKEN = "The vase arrived broken."
BILLING = "I was charged twice, please refund me."
COLUMNS = [
    "case_id",
    "reference",
    "opened_at",
    "channel",
    "category",
    "priority",
    "status",
    "assignee",
    "first_response_at",
    "resolved_at",
]


async def opened(desk: Desk, at: datetime, channel: Channel, text: str) -> str:
    desk.clock.at(at)
    address, kind = {
        Channel.EMAIL: (f"c{at.day}{at.hour}@example.com", AddressKind.EMAIL),
        Channel.SMS: (f"09120000{at.day:02d}", AddressKind.PHONE),
    }[channel]
    return await desk.deliver(received(address, kind=kind, channel=channel, subject=None, text=text, received_at=at))


async def at(desk: Desk, when: datetime, case_id: str, action: str) -> None:
    desk.clock.at(when)
    if action == "reply":
        await desk.reply(case_id)
    elif action == "resolve":
        await desk.resolve(case_id)
    else:
        await desk.act(case_id, actions.reopen, policy=desk.policy, reason="not fixed")


async def known_week(desk: Desk) -> tuple[datetime, list[str]]:
    """Three cases over three days, ten days ago; the period is those days and three more."""
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=10)
    day = [base + timedelta(days=n, hours=9) for n in range(-1, 7)]  # day[1] is the first day of the period
    await opened(desk, day[0], Channel.EMAIL, LATE)  # the day before: outside the period
    c1 = await opened(desk, day[1], Channel.EMAIL, LATE)
    await at(desk, day[1] + timedelta(minutes=30), c1, "reply")
    await at(desk, day[1] + timedelta(hours=2), c1, "resolve")
    c2 = await opened(desk, day[2], Channel.SMS, BROKEN)
    await at(desk, day[2] + timedelta(hours=5), c2, "reply")  # first response (4 h) missed
    await at(desk, day[2] + timedelta(hours=6), c2, "resolve")
    await at(desk, day[2] + timedelta(hours=11), c2, "reopen")
    await at(desk, day[3] + timedelta(hours=1), c2, "resolve")  # 25 h after it opened, 20 h on its clock
    c3 = await opened(desk, day[3], Channel.EMAIL, BILLING)  # never answered: both targets breached
    desk.clock.at(day[6] + timedelta(hours=2))  # both check-backs are due: two surveys, one answered
    await desk.run_scheduler()
    tokens = await desk.survey_tokens()
    assert set(tokens) == {c1, c2}
    answered = await desk.client.post(f"/v1/surveys/{tokens[c1]}", json={"score": 4})
    assert answered.status_code == 200, answered.text
    return base, [c1, c2, c3]


async def test_the_report_of_a_known_week(desk: Desk) -> None:
    base, _ = await known_week(desk)
    since, until = base.date().isoformat(), (base + timedelta(days=5)).date().isoformat()

    report = await desk.get("/v1/reports", SUPERVISOR, since=since, until=until)

    assert (datetime.fromisoformat(report["since"]), datetime.fromisoformat(report["until"])) == (
        base,
        base + timedelta(days=6),
    )
    assert report["total"] == 3
    assert report["volume_by_day"] == [
        {"day": (base + timedelta(days=n)).date().isoformat(), "count": count}
        for n, count in enumerate([1, 1, 1, 0, 0, 0])
    ]
    assert report["volume_by_channel"] == {"email": 2, "sms": 1}
    assert report["volume_by_category"] == {"delivery_delay": 1, "damaged_goods": 1, "billing_refund": 1}
    assert report["first_response_seconds"] == {"p50": 1800.0, "p90": 18000.0}
    assert report["resolution_seconds"] == {"p50": 7200.0, "p90": 90000.0}
    # first response: met, met late, overdue; resolution: met, met (20 h of 24), overdue
    assert report["sla_attainment"] == 0.5
    assert report["reopen_rate"] == 0.5
    assert report["csat"] == {"average": 4.0, "response_rate": 0.5}
    # the seven days up to `until` hold the case of the day before too
    assert report["rising"] == [
        {"category": "delivery_delay", "this_week": 2, "last_week": 0, "change": 2.0},
        {"category": "billing_refund", "this_week": 1, "last_week": 0, "change": 1.0},
        {"category": "damaged_goods", "this_week": 1, "last_week": 0, "change": 1.0},
    ]
    stats = await desk.get("/v1/stats", SUPERVISOR, **{"from": since, "to": until})
    assert report["rising"] == stats["rising_categories"]


async def test_the_cases_behind_a_figure_as_csv(desk: Desk) -> None:
    base, [c1, c2, c3] = await known_week(desk)
    period = {"since": base.date().isoformat(), "until": (base + timedelta(days=5)).date().isoformat()}

    response = await desk.client.get("/v1/reports/cases.csv", params=period, headers=SUPERVISOR)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response)
    assert rows[0] == COLUMNS
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert list(by_id) == [c1, c2, c3], "oldest first, the day before left out"
    first = by_id[c1]
    detail = await desk.api.case(c1)
    assert first["reference"] == detail["reference"]
    assert (first["channel"], first["category"], first["priority"], first["status"]) == (
        "email",
        "delivery_delay",
        "normal",
        "resolved",
    )
    assert datetime.fromisoformat(first["opened_at"]) == base + timedelta(hours=9)
    assert datetime.fromisoformat(first["first_response_at"]) == base + timedelta(hours=9, minutes=30)
    assert datetime.fromisoformat(first["resolved_at"]) == base + timedelta(hours=11)
    assert (by_id[c3]["first_response_at"], by_id[c3]["resolved_at"], by_id[c3]["assignee"]) == ("", "", "")

    sms = read_csv(
        await desk.client.get("/v1/reports/cases.csv", params={**period, "channel": "sms"}, headers=SUPERVISOR)
    )
    assert [row[0] for row in sms[1:]] == [c2]
    billing = await desk.client.get(
        "/v1/reports/cases.csv", params={**period, "category": "billing_refund", "status": "new"}, headers=SUPERVISOR
    )
    assert [row[0] for row in read_csv(billing)[1:]] == [c3]


async def test_csv_cells_never_start_a_formula(database_url: str, broker: str) -> None:
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1:A2)"]
    async with running_desk(database_url, broker, categories=["delivery_delay", *hostile[1:], "other"]) as desk:
        cases = [await desk.deliver(received(f"c{n}@example.com", text=LATE)) for n in range(4)]
        await desk.assign(cases[0], hostile[0])  # an agent id is whatever the router was told
        for case_id, category in zip(cases[1:], hostile[1:], strict=True):
            await desk.act(case_id, actions.reclassify, policy=desk.policy, category=category, priority=None)
        await desk.assign(cases[1], 'lan, "the, quoted"')

        response = await desk.client.get("/v1/reports/cases.csv", headers=SUPERVISOR)

    assert response.status_code == 200, response.text
    rows = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in read_csv(response)[1:]}
    assert rows[cases[0]]["assignee"] == "'" + hostile[0]
    assert [rows[case_id]["category"] for case_id in cases[1:]] == ["'+1+2", "'-3", "'@SUM(A1:A2)"]
    assert rows[cases[1]]["assignee"] == 'lan, "the, quoted"', "commas and quotes stay inside their cell"
    cells = [cell for row in read_csv(response) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


async def test_reports_are_for_supervisors_and_bad_periods_are_problems(desk: Desk) -> None:
    for path in ("/v1/reports", "/v1/reports/cases.csv"):
        agent = await desk.client.get(path, headers=LAN)
        assert (agent.status_code, problem_kind(agent)) == (403, "forbidden")
        assert (await desk.client.get(path)).status_code == 401
        for params in [{"since": "2026-03-10", "until": "2026-03-01"}, {"since": "last week"}, {"until": "2026-13-01"}]:
            refused = await desk.client.get(path, params=params, headers=SUPERVISOR)
            assert (refused.status_code, problem_kind(refused)) == (422, "validation-error"), (path, params)
    refused = await desk.client.get("/v1/reports/cases.csv", params={"channel": "pigeon"}, headers=SUPERVISOR)
    assert (refused.status_code, problem_kind(refused)) == (422, "validation-error")
    report: dict[str, Any] = await desk.get("/v1/reports", SUPERVISOR)
    assert abs(datetime.fromisoformat(report["until"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert (report["total"], report["sla_attainment"], report["reopen_rate"]) == (0, None, None)
    assert report["csat"] == {"average": None, "response_rate": None}


def read_csv(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))
