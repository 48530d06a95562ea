"""Rules about console users that need no I/O: who may be created, and where each role lands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.tokens import Role

LANGUAGES = ("vi", "en")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_DISPLAY_NAME = 200
MAX_TEAM = 100
MAX_AGENT_ID = 200


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    language: str
    team: str | None = None
    agent_id: str | None = None


def user_problems(user: NewUser) -> list[str]:
    """The catalogue keys of what is wrong with `user` (empty when it may be created)."""
    problems = []
    if not USERNAME.match(user.username):
        problems.append("user.username_invalid")
    if not user.display_name.strip() or len(user.display_name) > MAX_DISPLAY_NAME:
        problems.append("user.display_name_invalid")
    if user.language not in LANGUAGES:
        problems.append("user.language_invalid")
    if user.team is not None and len(user.team) > MAX_TEAM:
        problems.append("user.team_invalid")
    if user.role is Role.AGENT and not user.agent_id:
        problems.append("user.agent_id_required")
    if user.role is not Role.AGENT and user.agent_id:
        problems.append("user.agent_id_only_for_agents")
    if user.agent_id is not None and len(user.agent_id) > MAX_AGENT_ID:
        problems.append("user.agent_id_invalid")
    return problems


def username_key(username: str) -> str:
    """What makes two usernames the same one: case does not count."""
    return username.strip().lower()


def landing_path(role: Role) -> str:
    """Where a user goes after signing in: agents to their desk, everyone else to the floor."""
    return "/desk" if role is Role.AGENT else "/floor"
