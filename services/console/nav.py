"""The entries of the main menu: each screen module declares its own, with the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.tokens import Role

EVERYONE = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR})
AGENTS = frozenset({Role.AGENT})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class NavItem:
    label: str  # a catalogue key
    path: str
    roles: frozenset[Role]
    order: int  # place in the menu, lowest first


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    current: bool


def menu(items: list[NavItem], *, role: Role, path: str) -> list[NavLink]:
    """The entries `role` sees, in order; the one whose section `path` is in is marked current."""
    visible = sorted((item for item in items if role in item.roles), key=lambda item: item.order)
    return [NavLink(item.label, item.path, path == item.path or path.startswith(item.path + "/")) for item in visible]
