"""The supervisor's floor, `GET /floor` (supervisors and admins): a placeholder until the floor is built on it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.auth import console_state, require_roles
from services.console.nav import STAFF, NavItem
from shared.tokens import Role

router = APIRouter(prefix="/floor", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.floor", path="/floor", roles=STAFF, order=20)


@router.get("", include_in_schema=False)
async def floor_page(request: Request) -> Response:
    return await console_state(request).pages.render(request, "floor.html")
