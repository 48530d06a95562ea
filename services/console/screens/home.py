"""`/`: where a person starts, by role (agents at their desk, everyone else on the floor)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.console.auth import signed_in
from services.console.domain import landing_path
from shared.tokens import Role

router = APIRouter()
NAV = None


@router.get("/", include_in_schema=False)
async def home(request: Request) -> RedirectResponse:
    found = await signed_in(request)
    target = landing_path(Role(found.user.role)) if found is not None else "/login"
    return RedirectResponse(target, status_code=303)
