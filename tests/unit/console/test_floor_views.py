"""The pure parts of the supervisor's screens: which cases stand behind a number of the floor, how the floor orders
its queue and agents, how values are written, the reports' chart geometry and period, the agent form, and how a
dead letter's value is shown."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.console.i18n import Translator
from services.console.screens import agents_form, floor_data, reports_charts
from services.console.screens.deadletters import readable_value
from services.console.screens.floor_data import Figure, figure_from, ids_in_snapshot
from services.console.screens.formatting import Formatting
from services.console.screens.reports import Period, period_from

SNAPSHOT: dict[str, Any] = {
    "queue": [
        {"skill": "billing", "priority": "normal", "depth": 1, "case_ids": ["c3"]},
        {"skill": "delivery", "priority": "urgent", "depth": 1, "case_ids": ["c1"]},
        {"skill": "billing", "priority": "urgent", "depth": 2, "case_ids": ["c2", "c4"]},
    ],
    "agents": [
        {"agent_id": "lan", "presence": "busy", "occupancy": 0.5, "case_ids": ["c5"], "offered_case_ids": ["c6"]},
        {"agent_id": "minh", "presence": "available", "occupancy": 0, "case_ids": [], "offered_case_ids": []},
        {"agent_id": "hoa", "presence": "busy", "occupancy": 1, "case_ids": ["c7", "c8"], "offered_case_ids": []},
    ],
    "offers_recent": [
        {"case_id": "c9", "outcome": "declined", "at": "2026-03-02T09:00:00Z"},
        {"case_id": "c10", "outcome": "expired", "at": "2026-03-02T09:05:00Z"},
        {"case_id": "c11", "outcome": "declined", "at": "2026-03-02T09:10:00Z"},
    ],
}


def test_each_number_of_the_floor_names_the_cases_behind_it() -> None:
    assert ids_in_snapshot(SNAPSHOT, Figure("queue", "billing", "urgent")) == ["c2", "c4"]
    assert ids_in_snapshot(SNAPSHOT, Figure("agent", "lan")) == ["c5", "c6"]
    assert ids_in_snapshot(SNAPSHOT, Figure("agent", "nobody")) == []
    assert ids_in_snapshot(SNAPSHOT, Figure("offers", "declined")) == ["c11", "c9"]
    assert ids_in_snapshot(SNAPSHOT, Figure("all", "waiting")) == ["c2", "c4", "c1", "c3"]
    assert ids_in_snapshot(SNAPSHOT, Figure("all", "assigned")) == ["c5", "c7", "c8"]
    assert ids_in_snapshot(SNAPSHOT, Figure("all", "offered")) == ["c6"]


@pytest.mark.parametrize(
    ("query", "figure"),
    [
        ({"queue": "billing", "priority": "urgent"}, Figure("queue", "billing", "urgent")),
        ({"agent": "lan", "priority": "urgent"}, Figure("agent", "lan")),
        ({"sla": "at_risk"}, Figure("sla", "at_risk")),
        ({"alert": "a-1"}, Figure("alert", "a-1")),
        ({}, None),
        ({"queue": "billing"}, None),
        ({"queue": "billing", "priority": "soon"}, None),
        ({"sla": "late"}, None),
        ({"offers": "accepted"}, None),
        ({"all": "everything"}, None),
        ({"agent": "lan", "sla": "breached"}, None),
        ({"agent": "x" * 201}, None),
    ],
)
def test_a_figure_is_read_from_the_query_or_refused(query: dict[str, str], figure: Figure | None) -> None:
    assert figure_from(query) == figure


def test_the_queue_is_most_urgent_first_and_agents_grouped_by_presence_busiest_first() -> None:
    assert [(g["skill"], g["priority"]) for g in floor_data.queue_rows(SNAPSHOT)] == [
        ("billing", "urgent"),
        ("delivery", "urgent"),
        ("billing", "normal"),
    ]
    groups = floor_data.agents_by_presence(SNAPSHOT)
    assert [(presence, [a["agent_id"] for a in agents]) for presence, agents in groups] == [
        ("available", ["minh"]),
        ("busy", ["hoa", "lan"]),
    ]
    agent = {"load": {"sms": 0, "email": 2, "web": 1}, "capacity": {"email": 3, "sms": 1}}
    assert floor_data.channel_loads(agent) == [("email", 2, 3), ("web", 1, None)]


def test_the_alerts_version_changes_when_an_alert_grows_or_goes() -> None:
    one = [{"alert_id": "a", "customer_count": 5, "case_ids": ["1"] * 5}]
    grown = [{"alert_id": "a", "customer_count": 6, "case_ids": ["1"] * 6}]
    assert floor_data.alerts_version(one) == floor_data.alerts_version(list(one))
    assert len({floor_data.alerts_version(x) for x in (one, grown, [])}) == 3


def test_values_are_written_in_the_readers_language() -> None:
    vi, en = Formatting(Translator("vi")), Formatting(Translator("en"))
    assert [en.duration(s) for s in (0, 59, 61, 3599, 3600 * 2 + 5 * 60, 86400 * 3 + 3600 * 4)] == [
        "0 s",
        "59 s",
        "1 min",
        "59 min",
        "2 h 5 min",
        "3 d 4 h",
    ]
    assert vi.duration(-125) == "2 phút" and vi.duration(None) == "—"
    assert (en.percent(0.874), en.percent(None), en.number(2.0), en.number("x")) == ("87%", "—", "2.0", "—")
    assert vi.label("priority", "urgent") == "khẩn cấp"
    assert en.label("reason", "does not speak language") == "does not speak the language"
    assert vi.label("category", "warranty_claims") == "warranty_claims", "a configured category shows as it is"
    assert en.stamp("2026-03-02T16:30:00+07:00") == "2026-03-02 09:30 UTC" and en.stamp("yesterday") == "—"
    assert en.part("a/../b c") == "a%2F..%2Fb%20c"
    assert en.query(since="2026-03-01", channel="", status=None) == "?since=2026-03-01"


def test_chart_geometry_scales_to_a_round_top() -> None:
    assert [reports_charts.nice_top(v) for v in (0, 1, 3, 7, 10, 11, 180, 999)] == [1, 1, 5, 10, 10, 20, 200, 1000]
    chart = reports_charts.columns([("03-01", 2), ("03-02", 0), ("03-03", 4)])
    assert chart.top == 5 and [m.value for m in chart.marks] == [2, 0, 4]
    heights = [m.height for m in chart.marks]
    assert heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0])
    assert all(
        m.y + m.height == pytest.approx(reports_charts.COLUMNS_HEIGHT - reports_charts.FOOT) for m in chart.marks
    )
    assert [m.x for m in chart.marks] == sorted(m.x for m in chart.marks)
    bars = reports_charts.bars({"sms": 1, "email": 4, "web": 4})
    assert [m.label for m in bars.marks] == ["email", "web", "sms"], "largest first, then by name"
    assert reports_charts.bars({}).marks == [] and reports_charts.columns([]).marks == []
    assert len(reports_charts.bars({str(n): n for n in range(100)}).marks) == reports_charts.MAX_BARS
    assert [reports_charts.meter(v) for v in (None, -1, 0.456, 2, float("nan"))] == [0, 0, 45.6, 100, 0]
    assert reports_charts.pair(30, 120) == (25.0, 100.0) and reports_charts.pair(None, None) == (0, 0)


def test_a_report_period_is_whole_days_up_to_a_year() -> None:
    today = date(2026, 3, 31)
    assert period_from("", "", today=today) == Period(today.replace(day=2), today)
    assert period_from("2026-03-01", "2026-03-01", today=today) == Period(today.replace(day=1), today.replace(day=1))
    assert period_from("2026-03-02", "2026-03-01", today=today) == "reports.bad_order"
    assert period_from("03/01/2026", "", today=today) == "reports.bad_date"
    assert period_from("2024-01-01", "2026-01-01", today=today) == "reports.too_long"


def test_the_agent_form_becomes_the_routers_body() -> None:
    form = agents_form.read_form(
        {"name": " Lan ", "team": "north", "languages": "vi; en, vi", "max_total": "3", "limit_sms": "1"},
        {"channel": ["sms", "email", "pigeon"], "skill_name": ["Billing", "", "vip"], "skill_level": ["2", "", "4"]},
    )
    body, problems = agents_form.agent_body(form, schedule={"timezone": "Asia/Ho_Chi_Minh", "hours": {}})
    assert problems == []
    assert body == {
        "name": "Lan",
        "skills": {"billing": 2, "vip": 4},
        "languages": ["vi", "en"],
        "channels": ["email", "sms"],
        "capacity": {"email": 3, "sms": 1},
        "max_total": 3,
        "team": "north",
        "auto_accept": False,
        "supervisor": False,
        "schedule": {"timezone": "Asia/Ho_Chi_Minh", "hours": {}},
    }
    same_everywhere = agents_form.read_form({"name": "An", "languages": "vi", "max_total": "2"}, {"channel": ["web"]})
    body, _ = agents_form.agent_body(same_everywhere)
    assert (body["capacity"], body["team"], "presence" in body, "schedule" in body) == (2, None, False, False)


def test_the_agent_form_names_every_refusal() -> None:
    form = agents_form.read_form(
        {"name": "", "languages": "vietnamese!", "max_total": "0", "limit_sms": "x", "presence": "asleep"},
        {"skill_name": ["billing", "billing", ""], "skill_level": ["2", "3", "4"]},
    )
    _, problems = agents_form.agent_body(form)
    assert problems == [
        "agents.name_invalid",
        "agents.languages_invalid",
        "agents.channels_required",
        "agents.capacity_invalid",
        "agents.limit_invalid",
        "agents.skill_duplicate",
        "agents.skill_invalid",
        "agents.presence_invalid",
    ]


def test_an_agents_form_shows_its_skills_then_the_suggested_ones_then_empty_rows() -> None:
    form = agents_form.form_for(
        {
            "id": "lan",
            "name": "Lan",
            "skills": {"vip": 4, "billing_refund": 2},
            "languages": ["vi"],
            "channels": ["email", "sms"],
            "capacity": {"email": 3, "sms": 1},
            "max_total": 3,
        }
    )
    assert form.skills[:2] == [("billing_refund", "2"), ("vip", "4")]
    assert ("delivery_delay", "") in form.skills and "billing_refund" not in [n for n, lv in form.skills[2:]]
    assert form.skills[-agents_form.NEW_SKILL_ROWS :] == [("", "")] * agents_form.NEW_SKILL_ROWS
    assert (form.limits, form.max_total, form.languages) == ({"sms": "1"}, "3", "vi")


def test_a_dead_letters_value_is_pretty_printed_when_it_is_json_and_shown_as_it_is_otherwise() -> None:
    assert readable_value({"value": '{"a":[1,2]}', "value_encoding": "utf-8"}) == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert readable_value({"value": "{not json", "value_encoding": "utf-8"}) == "{not json"
    assert readable_value({"value": "AP/+", "value_encoding": "base64"}) == "AP/+"
    deep = "[" * 100_000 + "]" * 100_000
    assert readable_value({"value": deep, "value_encoding": "utf-8"}) == deep
