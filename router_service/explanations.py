"""Routing decisions and dry runs in words: one readable sentence per decision and per candidate, built from what was
recorded (trigger, outcome, requirement, candidates). Pure; the codes stay in the answers beside these sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from router_service.domain import (
    AT_CAPACITY,
    CHANNEL_NOT_SERVED,
    LANGUAGE_NOT_SPOKEN,
    LEVEL_BELOW_MINIMUM,
    NOT_AVAILABLE,
    AgentView,
)

# How many excluded agents a decision's sentence names; the candidates list has them all.
NAMED_EXCLUDED: Final = 3

TRIGGERS: Final[Mapping[str, str]] = {
    "case_opened": "New case",
    "queue_drain": "Taken from the queue",
    "offer_accepted": "Offer accepted",
    "offer_declined": "Offer declined",
    "offer_expired": "Offer unanswered",
    "offer_rescinded": "Agent went away or offline",
    "away_grace": "Agent away past the grace period",
    "relaxation": "Waited long",
    "case_resolved": "Case resolved",
    "case_closed": "Case closed",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
    "continuity_wait": "Continuity wait over",
    "case_reopened": "Case reopened",
    "reclassified": "Reclassified",
    "escalation_request": "Escalation requested",
}


def decision_summary(
    *,
    trigger: str,
    outcome: str,
    agent_id: str | None,
    requirement: Mapping[str, Any],
    candidates: Sequence[Mapping[str, Any]],
) -> str:
    """One sentence saying why the decision was taken, what it did, what the case needed and who was considered."""
    parts = [f"{TRIGGERS.get(trigger, trigger)}: {_outcome(outcome, agent_id, trigger, requirement)}."]
    needs = requirement_summary(requirement)
    if needs:
        parts.append(needs)
    considered = _considered(candidates)
    if considered:
        parts.append(considered)
    return " ".join(parts)


def dry_run_summary(
    *,
    state: str | None,
    holder: str | None,
    reserved_for: str | None,
    reserved_until: datetime | None,
    outcome: str,
    agent_id: str | None,
    requirement: Mapping[str, Any],
    candidates: Sequence[Mapping[str, Any]],
    others_without_skill: int,
) -> str:
    """`Waiting in the queue. If routed now: offered to minh. Needs ... 3 considered, ...`."""
    parts = [_state(state, holder, reserved_for, reserved_until)] if state else []
    if outcome == "queued":
        parts.append("If routed now: nobody could take it; it would wait in the queue.")
    else:
        parts.append(f"If routed now: {outcome} to {agent_id}.")
    for text in (requirement_summary(requirement), _levels(requirement), _considered(candidates)):
        if text:
            parts.append(text)
    if others_without_skill > 0:
        parts.append(f"{others_without_skill} other agent(s) lack {requirement.get('skill')} and are not listed.")
    return " ".join(parts)


def requirement_summary(requirement: Mapping[str, Any]) -> str:
    """`Needs billing at level 2 or above, in vi, on email (markers: angry; preferred skills: refunds).`; empty
    when the record holds no skill (a case ending, an escalation of an assigned case)."""
    skill = requirement.get("skill")
    if not skill:
        return ""
    text = f"Needs {skill} at level {requirement.get('min_level')} or above"
    if requirement.get("language"):
        text += f", in {requirement['language']}"
    if requirement.get("channel"):
        text += f", on {requirement['channel']}"
    extras = []
    if requirement.get("markers"):
        extras.append("markers: " + ", ".join(str(m) for m in requirement["markers"]))
    if requirement.get("preferred_skills"):
        extras.append("preferred skills: " + ", ".join(str(s) for s in requirement["preferred_skills"]))
    return text + (f" ({'; '.join(extras)})" if extras else "") + "."


def candidate_summary(
    entry: Mapping[str, Any], *, requirement: Mapping[str, Any] | None = None, agent: AgentView | None = None
) -> str:
    """`lan: ranked 1, chosen; 1 level above the minimum, 33% occupied, ...` or `hoa: not eligible: ...`. With the
    agent as routing saw it (a dry run), the reasons say how far off it is (its level, its load)."""
    name = str(entry.get("agent_id"))
    reasons = [str(r) for r in entry.get("reasons") or ()]
    if reasons and entry.get("rank") is None:
        details = [_reason(r, requirement or {}, agent) for r in reasons]
        return f"{name}: not eligible: {'; '.join(details)}."
    head = f"{name}: ranked {entry.get('rank')}"
    if entry.get("chosen"):
        head += ", chosen"
    if reasons:  # ranked, then lost its capacity to a concurrent assignment
        head += f", but {'; '.join(reasons)}"
    score = entry.get("score")
    return f"{head}; {_score(score)}." if isinstance(score, Mapping) else f"{head}."


def _outcome(outcome: str, agent_id: str | None, trigger: str, requirement: Mapping[str, Any]) -> str:
    agent = agent_id or "nobody"
    if outcome == "assigned":
        return f"assigned to {agent}"
    if outcome == "offered":
        return f"offered to {agent}"
    if outcome == "queued":
        if trigger == "continuity_wait":
            return f"no longer held for {requirement.get('released_from') or agent}; waiting for anyone eligible"
        if trigger == "reclassified":
            return "waiting in the queue under its new category and priority"
        return "queued, no eligible agent with room"
    if outcome == "accepted":
        return f"{agent} accepted the offer and holds the case"
    if outcome == "declined":
        return f"{agent} declined the offer; the case is routed again, never back to them"
    if outcome == "expired":
        return f"{agent} did not answer in time; the case is routed again"
    if outcome == "rescinded":
        return f"the case was taken back from {agent} and routed again"
    if outcome == "relaxed":
        return f"minimum level lowered from {requirement.get('relaxed_from')} to {requirement.get('min_level')}"
    if outcome in ("resolved", "closed"):
        return f"{agent} is free of it" if agent_id else "taken out of the queue"
    if outcome == "escalated":
        why = requirement.get("escalation")
        told = f"escalated to supervisor {agent}" if agent_id else "escalated, but no supervisor could take it"
        return f"{told} ({why})" if why else told
    if outcome == "reserved":
        return f"held for {agent}, the customer's previous agent, until {requirement.get('reserved_until')}"
    return f"{outcome}" + (f" ({agent_id})" if agent_id else "")


def _state(state: str, holder: str | None, reserved_for: str | None, reserved_until: datetime | None) -> str:
    if state == "waiting":
        if reserved_for:
            held = f"held for {reserved_for} (the customer's previous agent) until {reserved_until}"
            return f"Waiting in the queue, {held}."
        return "Waiting in the queue."
    if state == "offered":
        return f"Offered to {holder}, who has not answered yet."
    if state == "assigned":
        return f"Assigned to {holder}."
    return "Ended (resolved or closed); reopening it would route it like this."


def _levels(requirement: Mapping[str, Any]) -> str:
    """`Level 2 because of marker angry (priority normal calls for 1).`, when the record says what called for what."""
    levels = requirement.get("levels_called_for")
    if not isinstance(levels, Mapping) or not levels:
        return ""
    called = ", ".join(f"{source} calls for {level}" for source, level in levels.items())
    highest = max(int(level) for level in levels.values())
    min_level = requirement.get("min_level")
    if isinstance(min_level, int) and min_level < highest:
        return f"Minimum level {min_level}: {called}, lowered since (it waited long or its SLA is at risk)."
    if isinstance(min_level, int) and min_level > highest:
        return f"Minimum level {min_level} as it was routed ({called} under today's settings)."
    return f"Minimum level {min_level}: {called}."


def _considered(candidates: Sequence[Mapping[str, Any]]) -> str:
    if not candidates:
        return ""
    eligible = sum(1 for c in candidates if c.get("rank") is not None)
    excluded = [c for c in candidates if c.get("rank") is None]
    text = f"{len(candidates)} considered, {eligible} eligible"
    if excluded:
        named = [f"{c.get('agent_id')} ({', '.join(str(r) for r in c.get('reasons') or ())})" for c in excluded]
        more = len(named) - NAMED_EXCLUDED
        text += "; not eligible: " + ", ".join(named[:NAMED_EXCLUDED]) + (f" and {more} more" if more > 0 else "")
    return text + "."


def _reason(reason: str, requirement: Mapping[str, Any], agent: AgentView | None) -> str:
    if agent is None:
        return reason
    skill, channel = requirement.get("skill"), requirement.get("channel")
    if reason == LEVEL_BELOW_MINIMUM:
        return f"{reason} ({skill} {agent.skills.get(str(skill))}, needs {requirement.get('min_level')})"
    if reason == NOT_AVAILABLE:
        return f"{reason} ({agent.presence})"
    if reason == AT_CAPACITY:
        held = f"{agent.active_cases} of {agent.capacity} cases"
        limit = agent.channel_capacity.get(str(channel))
        if limit is not None:
            held += f", {agent.channel_load.get(str(channel), 0)} of {limit} on {channel}"
        return f"{reason} ({held})"
    if reason == LANGUAGE_NOT_SPOKEN:
        return f"{reason} {requirement.get('language')}"
    if reason == CHANNEL_NOT_SERVED:
        return f"{reason} {channel}"
    return reason


def _score(score: Mapping[str, Any]) -> str:
    over = score.get("over_qualification")
    parts = [
        "exactly the minimum level" if over == 0 else f"{over} level{'s' if over != 1 else ''} above the minimum",
        f"{round(float(score.get('occupancy') or 0) * 100)}% occupied",
    ]
    last = score.get("last_assignment_at")
    parts.append(f"last given a case {last}" if last else "never given a case")
    if score.get("continuity"):
        parts.append("the customer's previous agent")
    preferred = score.get("preferred_skills") or 0
    if preferred:
        parts.append(f"has {preferred} of the preferred skills")
    return ", ".join(parts)
