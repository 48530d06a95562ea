"""Who may be created, and where each role lands after signing in."""

from __future__ import annotations

from services.console.domain import NewUser, landing_path, user_problems
from services.console.screens.forms import safe_next
from shared.tokens import Role


def agent(**changes: object) -> NewUser:
    values: dict[str, object] = {
        "username": "lan.pham",
        "display_name": "Phạm Thị Lan",
        "role": Role.AGENT,
        "language": "vi",
        "team": "Hà Nội",
        "agent_id": "agent-lan",
    }
    values.update(changes)
    return NewUser(**values)  # type: ignore[arg-type]


def test_a_complete_agent_may_be_created() -> None:
    assert user_problems(agent()) == []


def test_an_agent_needs_an_agent_id_and_only_agents_have_one() -> None:
    assert user_problems(agent(agent_id=None)) == ["user.agent_id_required"]
    assert user_problems(agent(role=Role.SUPERVISOR)) == ["user.agent_id_only_for_agents"]
    assert user_problems(agent(role=Role.SUPERVISOR, agent_id=None)) == []


def test_usernames_are_plain_and_short() -> None:
    for bad in ("", "lan pham", "<script>", "-lan", "ł" * 3, "x" * 65):
        assert "user.username_invalid" in user_problems(agent(username=bad)), bad
    assert user_problems(agent(username="Lan_Pham-2.vn")) == []


def test_display_name_and_language_are_required() -> None:
    assert user_problems(agent(display_name="  ")) == ["user.display_name_invalid"]
    assert user_problems(agent(language="fr")) == ["user.language_invalid"]


def test_agents_land_on_their_desk_and_everyone_else_on_the_floor() -> None:
    assert landing_path(Role.AGENT) == "/desk"
    assert landing_path(Role.SUPERVISOR) == landing_path(Role.ADMIN) == "/floor"


def test_only_local_paths_are_returned_to_after_signing_in() -> None:
    assert safe_next("/users?x=1") == "/users?x=1"
    for unsafe in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/login"):
        assert safe_next(unsafe) == "", unsafe
    assert safe_next("/a\nb") == "" and safe_next("/" + "a" * 600) == ""
