"""The agent form of the agents screen: what the router's `PUT /v1/agents/{id}` body is made of, read from the form
with every refusal named by a catalogue key, and the form's values for an agent the router has. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.console.screens.desk_views import CATEGORIES
from shared.events import Channel

AGENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
CHANNELS = tuple(channel.value for channel in Channel)
PRESENCES = ("available", "busy", "away", "offline")
LEVELS = (1, 2, 3, 4)
MAX_CAPACITY = 1000
MAX_SKILLS = 100
MAX_LANGUAGES = 50
# The case service's default categories, each needing the router skill of its name: offered as rows of the form.
SUGGESTED_SKILLS = CATEGORIES
NEW_SKILL_ROWS = 3


@dataclass
class AgentForm:
    """What the form holds, as text (to show it again when something is refused)."""

    agent_id: str = ""
    name: str = ""
    team: str = ""
    languages: str = "vi, en"
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    max_total: str = "3"
    limits: dict[str, str] = field(default_factory=dict)
    skills: list[tuple[str, str]] = field(default_factory=list)  # (name, level or "")
    auto_accept: bool = False
    supervisor: bool = False
    presence: str = ""


def skill_rows(skills: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The agent's skills first, then the suggested ones it lacks, then empty rows for new ones."""
    rows = [(name, str(level)) for name, level in sorted(skills.items())]
    rows += [(name, "") for name in SUGGESTED_SKILLS if name not in skills]
    return rows + [("", "")] * NEW_SKILL_ROWS


def form_for(agent: Mapping[str, Any]) -> AgentForm:
    """The form filled with an agent as the router answers it."""
    max_total = int(agent.get("max_total") or 1)
    limits = {
        channel: str(limit)
        for channel, limit in (agent.get("capacity") or {}).items()
        if isinstance(limit, int) and limit != max_total
    }
    return AgentForm(
        agent_id=str(agent.get("id", "")),
        name=str(agent.get("name", "")),
        team=str(agent.get("team") or ""),
        languages=", ".join(agent.get("languages") or []),
        channels=list(agent.get("channels") or []),
        max_total=str(max_total),
        limits=limits,
        skills=skill_rows(agent.get("skills") or {}),
        auto_accept=bool(agent.get("auto_accept")),
        supervisor=bool(agent.get("supervisor")),
    )


def read_form(values: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> AgentForm:
    """The form as sent: `values` its single fields, `lists` the repeated ones (channel, skill_name, skill_level)."""
    names = list(lists.get("skill_name", []))[: MAX_SKILLS + NEW_SKILL_ROWS]
    levels = list(lists.get("skill_level", []))[: len(names)]
    levels += [""] * (len(names) - len(levels))
    return AgentForm(
        agent_id=values.get("agent_id", "").strip(),
        name=values.get("name", "").strip(),
        team=values.get("team", "").strip(),
        languages=values.get("languages", "").strip(),
        channels=[c for c in lists.get("channel", []) if c in CHANNELS],
        max_total=values.get("max_total", "").strip(),
        limits={c: values.get(f"limit_{c}", "").strip() for c in CHANNELS if values.get(f"limit_{c}", "").strip()},
        skills=[(name.strip().lower(), level.strip()) for name, level in zip(names, levels, strict=True)],
        auto_accept=values.get("auto_accept") == "on",
        supervisor=values.get("supervisor") == "on",
        presence=values.get("presence", "").strip(),
    )


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_CAPACITY else None


def agent_body(form: AgentForm, *, schedule: Any = None) -> tuple[dict[str, Any], list[str]]:
    """The router's body for the form, and the catalogue keys of what is wrong with it (the body is only good when
    there are none). `schedule`: the agent's working hours, kept as they are (the form does not edit them)."""
    problems: list[str] = []
    if not form.name or len(form.name) > 200:
        problems.append("agents.name_invalid")
    if len(form.team) > 100:
        problems.append("agents.team_invalid")
    languages = [part.strip() for part in form.languages.replace(";", ",").split(",") if part.strip()]
    if not languages or len(languages) > MAX_LANGUAGES or not all(LANGUAGE.match(code) for code in languages):
        problems.append("agents.languages_invalid")
    if not form.channels:
        problems.append("agents.channels_required")
    max_total = _count(form.max_total)
    if max_total is None:
        problems.append("agents.capacity_invalid")
    limits = {channel: _count(text) for channel, text in form.limits.items()}
    if any(limit is None for limit in limits.values()):
        problems.append("agents.limit_invalid")
    skills: dict[str, int] = {}
    for name, level in form.skills:
        if not name and not level:
            continue
        if not name or len(name) > 100 or level not in {str(n) for n in LEVELS} and level != "":
            problems.append("agents.skill_invalid")
        elif level and name in skills:
            problems.append("agents.skill_duplicate")
        elif level:
            skills[name] = int(level)
    if form.presence and form.presence not in PRESENCES:
        problems.append("agents.presence_invalid")
    if problems:
        return {}, sorted(set(problems), key=problems.index)
    assert max_total is not None
    served = [channel for channel in CHANNELS if channel in form.channels]
    capacity: int | dict[str, int] = max_total
    if any(channel in limits for channel in served):
        capacity = {channel: limits.get(channel) or max_total for channel in served}
    body: dict[str, Any] = {
        "name": form.name,
        "skills": skills,
        "languages": list(dict.fromkeys(languages)),
        "channels": served,
        "capacity": capacity,
        "max_total": max_total,
        "team": form.team or None,
        "auto_accept": form.auto_accept,
        "supervisor": form.supervisor,
    }
    if form.presence:
        body["presence"] = form.presence
    if schedule is not None:
        body["schedule"] = schedule
    return body, []
