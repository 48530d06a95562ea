"""Customers, `GET /customers` (everyone; an agent sees only their own customers' cases): a placeholder."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.auth import CurrentUser, console_state
from services.console.nav import EVERYONE, NavItem

router = APIRouter(prefix="/customers")
NAV = NavItem(label="nav.customers", path="/customers", roles=EVERYONE, order=30)


@router.get("", include_in_schema=False)
async def customers_page(request: Request, user: CurrentUser) -> Response:
    context = {"title": "customers.title", "text": "customers.placeholder"}
    return await console_state(request).pages.render(request, "placeholder.html", context)
