"""The HTTP API of case_service: cases and their actions, customers, follow-ups, surveys, statistics and reports,
recurring-problem alerts, and the live stream."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from case_service.api import alerts, cases, customers, follow_ups, reports, stats, status, stream, surveys
from case_service.settings import CaseServiceSettings
from shared.auth import require_principal


def api_router(settings: CaseServiceSettings) -> APIRouter:
    """Every route but the survey answer and the status page (the customer's token is their authentication) needs a
    caller."""
    router = APIRouter(prefix="/v1")
    authenticated = APIRouter(dependencies=[Depends(require_principal(settings))])
    authenticated.include_router(cases.router)
    authenticated.include_router(follow_ups.router)
    authenticated.include_router(customers.router)
    authenticated.include_router(stats.router)
    authenticated.include_router(reports.router)
    authenticated.include_router(alerts.router)
    authenticated.include_router(stream.router)
    authenticated.include_router(status.staff)
    router.include_router(authenticated)
    router.include_router(surveys.router)
    router.include_router(status.public)
    return router
