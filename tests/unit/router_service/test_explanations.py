"""Routing decisions and dry runs in words, from what a decision records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from router_service import domain
from router_service.domain import AgentView
from router_service.explanations import (
    NAMED_EXCLUDED,
    candidate_summary,
    decision_summary,
    dry_run_summary,
    requirement_summary,
)

NEEDS = {"skill": "billing", "min_level": 2, "language": "vi", "channel": "email"}
SCORE = {
    "over_qualification": 1,
    "occupancy": 0.3333,
    "last_assignment_at": None,
    "continuity": True,
    "preferred_skills": 2,
}
CHOSEN = {"agent_id": "lan", "reasons": [], "rank": 1, "score": SCORE, "chosen": True}
AWAY = {"agent_id": "hoa", "reasons": [domain.NOT_AVAILABLE, domain.AT_CAPACITY], "rank": None, "score": None}


def test_a_decision_says_why_what_and_who():
    summary = decision_summary(
        trigger="case_opened", outcome="offered", agent_id="lan", requirement=NEEDS, candidates=[CHOSEN, AWAY]
    )
    assert summary == (
        "New case: offered to lan. Needs billing at level 2 or above, in vi, on email. "
        "2 considered, 1 eligible; not eligible: hoa (not available, at capacity)."
    )


def test_every_recorded_outcome_reads_as_a_sentence():
    cases = [
        ("offer_accepted", "accepted", "lan", {}, "Offer accepted: lan accepted the offer and holds the case."),
        (
            "offer_expired",
            "expired",
            "lan",
            {},
            "Offer unanswered: lan did not answer in time; the case is routed again.",
        ),
        ("away_grace", "rescinded", "lan", {}, "Agent away past the grace period: the case was taken back from lan"),
        (
            "relaxation",
            "relaxed",
            None,
            {**NEEDS, "min_level": 1, "relaxed_from": 2},
            "minimum level lowered from 2 to 1",
        ),
        ("case_resolved", "resolved", "lan", {"ended": "resolved"}, "Case resolved: lan is free of it."),
        ("case_closed", "closed", None, {"ended": "closed"}, "Case closed: taken out of the queue."),
        ("sla_breached", "escalated", "sup", {"escalation": "late"}, "escalated to supervisor sup (late)"),
        ("sla_breached", "escalated", None, {}, "escalated, but no supervisor could take it"),
        (
            "case_opened",
            "reserved",
            "lan",
            {"reserved_until": "T"},
            "held for lan, the customer's previous agent, until T",
        ),
        ("continuity_wait", "queued", "lan", {"released_from": "lan"}, "no longer held for lan"),
        ("queue_drain", "assigned", "lan", NEEDS, "Taken from the queue: assigned to lan."),
        ("something_new", "teleported", "lan", {}, "something_new: teleported (lan)."),
    ]
    for trigger, outcome, agent_id, requirement, expected in cases:
        summary = decision_summary(
            trigger=trigger, outcome=outcome, agent_id=agent_id, requirement=requirement, candidates=[]
        )
        assert expected in summary, (trigger, outcome, summary)


def test_a_decision_names_a_few_excluded_agents_and_counts_the_rest():
    excluded = [{**AWAY, "agent_id": f"agent-{n}"} for n in range(NAMED_EXCLUDED + 4)]
    summary = decision_summary(
        trigger="case_opened", outcome="queued", agent_id=None, requirement=NEEDS, candidates=excluded
    )
    assert "agent-2 (not available, at capacity) and 4 more." in summary
    assert "agent-3" not in summary


def test_the_requirement_names_markers_and_preferred_skills():
    text = requirement_summary({**NEEDS, "language": None, "markers": ["angry"], "preferred_skills": ["refunds"]})
    assert text == "Needs billing at level 2 or above, on email (markers: angry; preferred skills: refunds)."
    assert requirement_summary({"ended": "resolved"}) == ""


def test_an_eligible_candidate_reads_its_score():
    assert candidate_summary(CHOSEN) == (
        "lan: ranked 1, chosen; 1 level above the minimum, 33% occupied, never given a case, "
        "the customer's previous agent, has 2 of the preferred skills."
    )
    lost = {**CHOSEN, "chosen": False, "rank": 2, "reasons": ["lost its last capacity to a concurrent assignment"]}
    assert candidate_summary(lost).startswith("lan: ranked 2, but lost its last capacity")


def test_with_the_agent_at_hand_the_reasons_say_how_far_off_it_is():
    hoa = AgentView(
        id="hoa",
        skills={"billing": 1},
        languages=frozenset({"en"}),
        channels=frozenset({"sms"}),
        capacity=3,
        active_cases=3,
        presence="away",
        last_assignment_at=datetime(2026, 1, 1, tzinfo=UTC),
        channel_capacity={"email": 2},
        channel_load={"email": 2},
    )
    reasons = domain.exclusion_reasons(hoa, domain.Requirement(**NEEDS))
    entry = {"agent_id": "hoa", "reasons": reasons, "rank": None, "score": None, "chosen": False}
    assert candidate_summary(entry, requirement=NEEDS, agent=hoa) == (
        "hoa: not eligible: not available (away); at capacity (3 of 3 cases, 2 of 2 on email); "
        "skill level below minimum (billing 1, needs 2); does not speak language vi; does not serve channel email."
    )
    assert candidate_summary(entry, requirement=NEEDS, agent=replace(hoa, presence="busy")).startswith(
        "hoa: not eligible: not available (busy)"
    )
    assert candidate_summary(entry) == (
        "hoa: not eligible: not available; at capacity; skill level below minimum; does not speak language; "
        "does not serve channel."
    )


def test_a_dry_run_says_where_the_case_is_and_what_would_happen():
    explained = {**NEEDS, "levels_called_for": {"priority normal": 1, "marker angry": 2}}
    summary = dry_run_summary(
        state="waiting",
        holder=None,
        reserved_for=None,
        reserved_until=None,
        outcome="offered",
        agent_id="lan",
        requirement=explained,
        candidates=[CHOSEN],
        others_without_skill=3,
    )
    assert summary == (
        "Waiting in the queue. If routed now: offered to lan. Needs billing at level 2 or above, in vi, on email. "
        "Minimum level 2: priority normal calls for 1, marker angry calls for 2. 1 considered, 1 eligible. "
        "3 other agent(s) lack billing and are not listed."
    )
    relaxed = dry_run_summary(
        state="assigned",
        holder="minh",
        reserved_for=None,
        reserved_until=None,
        outcome="queued",
        agent_id=None,
        requirement={**explained, "min_level": 1},
        candidates=[],
        others_without_skill=0,
    )
    assert relaxed.startswith("Assigned to minh. If routed now: nobody could take it")
    assert "Minimum level 1: priority normal calls for 1, marker angry calls for 2, lowered since" in relaxed
