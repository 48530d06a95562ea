"""Dead letters, `GET /deadletters` (supervisors and admins): a placeholder."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.auth import console_state, require_roles
from services.console.nav import STAFF, NavItem
from shared.tokens import Role

router = APIRouter(prefix="/deadletters", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.deadletters", path="/deadletters", roles=STAFF, order=50)


@router.get("", include_in_schema=False)
async def deadletters_page(request: Request) -> Response:
    context = {"title": "deadletters.title", "text": "deadletters.placeholder"}
    return await console_state(request).pages.render(request, "placeholder.html", context)
