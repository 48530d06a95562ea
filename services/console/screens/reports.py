"""Reports, `GET /reports` (supervisors and admins): a placeholder."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.auth import console_state, require_roles
from services.console.nav import STAFF, NavItem
from shared.tokens import Role

router = APIRouter(prefix="/reports", dependencies=[require_roles(Role.ADMIN, Role.SUPERVISOR)])
NAV = NavItem(label="nav.reports", path="/reports", roles=STAFF, order=40)


@router.get("", include_in_schema=False)
async def reports_page(request: Request) -> Response:
    context = {"title": "reports.title", "text": "reports.placeholder"}
    return await console_state(request).pages.render(request, "placeholder.html", context)
