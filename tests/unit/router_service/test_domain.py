"""Routing rules: who is eligible for a case, who is preferred, and what a case requires."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from router_service import domain
from router_service.domain import AgentView, Requirement, RoutingPolicy, evaluate, exclusion_reasons, rank
from shared.events import CaseOpened, Channel, Priority

T0 = datetime(2025, 1, 1, 9, tzinfo=UTC)
BILLING = Requirement(skill="billing", min_level=2, language="vi", channel="email")


def agent(agent_id: str = "a", **changes: object) -> AgentView:
    base = AgentView(
        id=agent_id,
        skills={"billing": 2},
        languages=frozenset({"vi", "en"}),
        channels=frozenset({"email", "sms"}),
        capacity=2,
        active_cases=0,
        presence="available",
        last_assignment_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def case(**changes: object) -> CaseOpened:
    values: dict[str, object] = {
        "case_id": "c-1",
        "case_reference": "C-1",
        "customer_id": "cu-1",
        "channel": Channel.EMAIL,
        "category": "billing",
        "priority": Priority.NORMAL,
        "language": "vi",
        "message_id": "m-1",
        "opened_at": T0,
    }
    values.update(changes)
    return CaseOpened.model_validate(values)


def test_an_agent_meeting_every_requirement_is_eligible():
    assert exclusion_reasons(agent(), BILLING) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"presence": "away"}, domain.NOT_AVAILABLE),
        ({"presence": "busy"}, domain.NOT_AVAILABLE),
        ({"presence": "offline"}, domain.NOT_AVAILABLE),
        ({"active_cases": 2}, domain.AT_CAPACITY),
        ({"active_cases": 3}, domain.AT_CAPACITY),
        ({"skills": {"delivery": 4}}, domain.LACKS_SKILL),
        ({"skills": {"billing": 1}}, domain.LEVEL_BELOW_MINIMUM),
        ({"languages": frozenset({"en"})}, domain.LANGUAGE_NOT_SPOKEN),
        ({"channels": frozenset({"sms"})}, domain.CHANNEL_NOT_SERVED),
    ],
)
def test_each_unmet_requirement_excludes_the_agent_with_its_reason(changes: dict[str, object], reason: str):
    assert exclusion_reasons(agent(**changes), BILLING) == [reason]


def test_every_reason_is_reported_at_once():
    offline_novice = agent(
        presence="offline", active_cases=2, skills={"billing": 1}, languages=frozenset(), channels=frozenset()
    )
    assert exclusion_reasons(offline_novice, BILLING) == [
        domain.NOT_AVAILABLE,
        domain.AT_CAPACITY,
        domain.LEVEL_BELOW_MINIMUM,
        domain.LANGUAGE_NOT_SPOKEN,
        domain.CHANNEL_NOT_SERVED,
    ]


def test_a_case_without_language_accepts_any_speaker_and_regional_tags_match_their_language():
    assert exclusion_reasons(agent(languages=frozenset()), replace(BILLING, language=None)) == []
    assert exclusion_reasons(agent(languages=frozenset({"vi-vn"})), BILLING) == []


def test_the_least_over_qualified_agent_comes_first():
    expert = agent("expert", skills={"billing": 4})
    good = agent("good", skills={"billing": 3}, active_cases=1)
    working = agent("working", skills={"billing": 2}, active_cases=1)
    assert [a.id for a in rank([expert, good, working], BILLING)] == ["working", "good", "expert"]


def test_among_equally_qualified_the_least_occupied_comes_first():
    half = agent("half", capacity=4, active_cases=2)
    third = agent("third", capacity=3, active_cases=1)
    busy = agent("busy", capacity=4, active_cases=3)
    assert [a.id for a in rank([busy, half, third], BILLING)] == ["third", "half", "busy"]


def test_then_the_longest_idle_comes_first_and_never_assigned_before_all():
    recent = agent("recent", last_assignment_at=T0)
    earlier = agent("earlier", last_assignment_at=T0 - timedelta(hours=1))
    never = agent("never", last_assignment_at=None)
    assert [a.id for a in rank([recent, earlier, never], BILLING)] == ["never", "earlier", "recent"]


def test_full_ties_are_broken_by_agent_id():
    assert [a.id for a in rank([agent("b"), agent("c"), agent("a")], BILLING)] == ["a", "b", "c"]


def test_evaluation_lists_every_agent_with_reasons_or_score_and_ranks_the_eligible():
    result = evaluate([agent("z-away", presence="away"), agent("b", skills={"billing": 3}), agent("a")], BILLING)
    assert [a.id for a in result.ranked] == ["a", "b"]
    by_id = {c.agent_id: c for c in result.candidates}
    assert by_id["z-away"].reasons == (domain.NOT_AVAILABLE,) and by_id["z-away"].score is None
    assert by_id["b"].reasons == () and by_id["b"].score is not None
    assert by_id["b"].score.over_qualification == 1


def test_requirement_takes_the_skill_named_like_the_category_by_default():
    requirement = domain.requirement_for(case(category="Delivery", priority=Priority.LOW), RoutingPolicy())
    assert requirement == Requirement(skill="delivery", min_level=1, language="vi", channel="email")


def test_requirement_uses_the_configured_skill_and_the_level_of_the_priority():
    policy = RoutingPolicy(skill_for_category={"refund": "billing"})
    urgent = domain.requirement_for(case(category="refund", priority=Priority.URGENT), policy)
    high = domain.requirement_for(case(category="refund", priority=Priority.HIGH), policy)
    assert (urgent.skill, urgent.min_level) == ("billing", 3)
    assert (high.skill, high.min_level) == ("billing", 2)


def test_requirement_language_is_the_primary_language_and_absent_means_any():
    assert domain.requirement_for(case(language="vi-VN"), RoutingPolicy()).language == "vi"
    assert domain.requirement_for(case(language=None), RoutingPolicy()).language is None
    assert domain.requirement_for(case(channel=Channel.ZALO), RoutingPolicy()).channel == "zalo"


def test_a_priority_missing_from_the_policy_needs_the_lowest_level():
    policy = RoutingPolicy(min_level_for_priority={"urgent": 4})
    assert domain.requirement_for(case(priority=Priority.HIGH), policy).min_level == domain.MIN_LEVEL


def test_urgent_cases_wait_ahead_of_lower_priorities():
    ranks = [domain.priority_rank(p) for p in ("urgent", "high", "normal", "low", "unknown")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5


def test_a_channel_limit_and_the_overall_limit_each_exclude():
    per_channel = agent(capacity=5, channel_capacity={"email": 1, "sms": 3}, channel_load={"email": 1}, active_cases=1)
    assert exclusion_reasons(per_channel, BILLING) == [domain.AT_CAPACITY]
    assert exclusion_reasons(per_channel, replace(BILLING, channel="sms")) == []
    overall = agent(capacity=2, channel_capacity={"email": 1, "sms": 3}, channel_load={"sms": 2}, active_cases=2)
    assert exclusion_reasons(overall, replace(BILLING, channel="sms")) == [domain.AT_CAPACITY]


def test_capacity_is_a_number_for_every_channel_or_a_map_with_an_overall_limit():
    assert domain.capacity_per_channel(3, ["email", "sms"], None) == ({"email": 3, "sms": 3}, 3)
    assert domain.capacity_per_channel(3, ["email", "sms"], 4) == ({"email": 3, "sms": 3}, 4)
    assert domain.capacity_per_channel({"phone": 1, "email": 8}, ["phone", "email"], None) == (
        {"phone": 1, "email": 8},
        9,
    )
    limits, total = domain.capacity_per_channel({"phone": 1}, ["phone", "web"], 5)
    assert (limits, total) == ({"phone": 1, "web": 5}, 5), "a served channel not listed: only the overall limit"


def test_an_agent_who_declined_the_case_is_excluded():
    assert exclusion_reasons(agent("a"), BILLING, declined={"a"}) == [domain.DECLINED_BEFORE]
    assert exclusion_reasons(agent("b"), BILLING, declined={"a"}) == []


def test_continuity_puts_the_customers_previous_agent_first_by_default():
    working, expert = agent("working"), agent("expert", skills={"billing": 4})
    assert [a.id for a in rank([working, expert], BILLING, previous_agent="expert")] == ["expert", "working"]
    without = (domain.LEAST_OVERQUALIFIED, domain.LOWEST_OCCUPANCY, domain.LONGEST_IDLE)
    ranked = rank([working, expert], BILLING, previous_agent="expert", strategy=without)
    assert [a.id for a in ranked] == ["working", "expert"]


def test_the_strategy_orders_the_steps():
    busy_novice = agent("busy", active_cases=1)
    idle_expert = agent("idle", skills={"billing": 4})
    occupancy_first = (domain.LOWEST_OCCUPANCY, domain.LEAST_OVERQUALIFIED)
    assert [a.id for a in rank([busy_novice, idle_expert], BILLING, strategy=occupancy_first)] == ["idle", "busy"]
    assert [a.id for a in rank([busy_novice, idle_expert], BILLING)] == ["busy", "idle"]
    recent = agent("recent", last_assignment_at=T0 + timedelta(hours=1))
    older = agent("older", last_assignment_at=T0)
    assert [a.id for a in rank([recent, older], BILLING, strategy=(domain.LONGEST_IDLE,))] == ["older", "recent"]


def test_the_estimated_wait_follows_recent_throughput():
    assert domain.estimated_wait_s(3, 60, timedelta(hours=1)) == 180.0
    assert domain.estimated_wait_s(1, 0, timedelta(hours=1)) is None


def test_relaxation_lowers_one_level_after_the_priority_threshold():
    after = {"urgent": timedelta(minutes=2)}
    relax = domain.relaxed_level
    assert relax(3, priority="urgent", waiting_since=T0, now=T0 + timedelta(minutes=2), after=after) == 2
    assert relax(3, priority="urgent", waiting_since=T0, now=T0 + timedelta(minutes=1), after=after) is None
    assert relax(1, priority="urgent", waiting_since=T0, now=T0 + timedelta(hours=1), after=after) is None
    assert relax(3, priority="low", waiting_since=T0, now=T0 + timedelta(hours=1), after=after) is None


def test_markers_raise_the_minimum_level_so_angry_or_urgent_never_go_to_level_one():
    policy = RoutingPolicy()
    assert domain.requirement_for(case(), policy, markers=["Angry"]).min_level == 2
    assert domain.requirement_for(case(), policy, markers=["urgent", "vip"]).min_level == 2
    assert domain.requirement_for(case(), policy, markers=["legal_threat", "angry"]).min_level == 3
    assert domain.requirement_for(case(), policy, markers=["unknown"]).min_level == 1
    urgent = domain.requirement_for(case(priority=Priority.URGENT), policy, markers=["angry"])
    assert urgent.min_level == 3  # the highest of priority and markers
    custom = RoutingPolicy(min_level_for_marker={"vip": 4})
    assert domain.requirement_for(case(), custom, markers=["vip"]).min_level == 4


def test_preferred_skills_rank_after_continuity_and_before_over_qualification():
    plain = agent("plain")
    linguist = agent("linguist", skills={"billing": 3, "legal": 1})
    preferred = ["legal"]
    assert [a.id for a in rank([plain, linguist], BILLING)] == ["plain", "linguist"]
    assert [a.id for a in rank([plain, linguist], BILLING, preferred=preferred)] == ["linguist", "plain"]
    ranked = rank([plain, linguist], BILLING, preferred=preferred, previous_agent="plain")
    assert [a.id for a in ranked] == ["plain", "linguist"]
    assert domain.score(linguist, BILLING, preferred=preferred).preferred_skills == 1


def test_priority_is_raised_one_step_until_urgent():
    assert [domain.raised_priority(p) for p in ("low", "normal", "high", "urgent", "odd")] == [
        "normal",
        "high",
        "urgent",
        None,
        None,
    ]


def test_supervisors_ignore_skill_and_level_but_not_presence_capacity_or_channel():
    boss = agent("boss", skills={}, supervisor=True)
    assert domain.supervisor_exclusions(boss, BILLING) == []
    assert domain.supervisor_exclusions(agent("plain", skills={}), BILLING) == [domain.NOT_SUPERVISOR]
    away = replace(boss, presence="away", active_cases=2)
    assert domain.supervisor_exclusions(away, BILLING) == [domain.NOT_AVAILABLE, domain.AT_CAPACITY]
    sms_only = replace(boss, channels=frozenset({"sms"}))
    assert domain.supervisor_exclusions(sms_only, BILLING) == [domain.CHANNEL_NOT_SERVED]


def test_working_hours_in_the_agents_timezone_decide_eligibility():
    # 2025-01-01 is a Wednesday; 09:00 UTC is 16:00 in Ho Chi Minh City.
    schedule = domain.Schedule.from_json({"timezone": "Asia/Ho_Chi_Minh", "hours": {"wed": ["08:00", "17:00"]}})
    assert schedule.on_duty(T0) and not schedule.on_duty(T0 + timedelta(hours=1))
    assert not schedule.on_duty(T0 + timedelta(days=1))  # Thursday: a day off
    night = domain.Schedule.from_json({"timezone": "UTC", "hours": {"wed": ["22:00", "06:00"]}})
    assert night.on_duty(T0.replace(hour=23)) and night.on_duty(T0.replace(hour=5) + timedelta(days=1))
    assert not night.on_duty(T0)
    off = agent(schedule=schedule)
    assert exclusion_reasons(off, BILLING, at=T0) == []
    assert exclusion_reasons(off, BILLING, at=T0 + timedelta(hours=2)) == [domain.OUTSIDE_WORKING_HOURS]


def test_the_agent_holding_the_case_is_not_a_candidate_for_it():
    evaluation = evaluate([agent("a"), agent("b")], BILLING, holder="a")
    assert [a.id for a in evaluation.ranked] == ["b"]
    assert exclusion_reasons(agent("a"), BILLING, holder="a") == [domain.HOLDS_CASE]


def test_levels_called_for_name_the_priority_and_each_listed_marker():
    policy = RoutingPolicy()
    levels = domain.levels_called_for("high", ["Angry", "vip", "legal_threat"], policy)
    assert levels == {"priority high": 2, "marker angry": 2, "marker legal_threat": 3}, "vip calls for nothing"
    requirement = domain.requirement_for(case(priority=Priority.HIGH), policy, markers=["Angry", "vip", "legal_threat"])
    assert requirement.min_level == max(levels.values())
