"""The agent's desk, `GET /desk` (agents only): a placeholder until the desk is built on it.

The desk's helper fills it: offers live, my cases, a case; presence in the header (partials/presence.html).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.auth import console_state, require_roles
from services.console.nav import AGENTS, NavItem
from shared.tokens import Role

router = APIRouter(prefix="/desk", dependencies=[require_roles(Role.AGENT)])
NAV = NavItem(label="nav.desk", path="/desk", roles=AGENTS, order=10)


@router.get("", include_in_schema=False)
async def desk_page(request: Request) -> Response:
    return await console_state(request).pages.render(request, "desk.html")
