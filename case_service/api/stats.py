"""The service desk's figures over a period (supervisors and admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from case_service import stats
from case_service.api.deps import Caller, Policy, Session
from case_service.schemas.stats import Stats
from shared.problems import PROBLEM_JSON, Problem

router = APIRouter(tags=["stats"])

_BOUND = "An ISO date (the whole day) or datetime (UTC unless it has an offset)."


@router.get(
    "/stats",
    response_model_by_alias=True,
    responses={
        403: {"description": "Agents may not: supervisors and admins only.", "content": {PROBLEM_JSON: {}}},
        422: {"description": "A bound is not an ISO date or datetime, or `from` is after `to`."},
    },
)
async def get_stats(
    session: Session,
    caller: Caller,
    policy: Policy,
    from_: Annotated[str | None, Query(alias="from", max_length=40, description=_BOUND)] = None,
    to: Annotated[str | None, Query(max_length=40, description=_BOUND)] = None,
) -> Stats:
    """Volume by channel, category and day; first-response and resolution percentiles; SLA attainment; reopen rate;
    CSAT; and the categories rising fastest this week against last. `to` defaults to now, `from` to 30 days before."""
    if not caller.sees_all:
        raise Problem(403, "forbidden", "Forbidden", "This needs one of the roles: admin, supervisor.")
    now = datetime.now(UTC)
    since, until = checked_period(from_, to, now=now, field="query.from/to")
    return Stats.model_validate(await stats.figures(session, since=since, until=until, policy=policy, now=now))


def checked_period(since: str | None, until: str | None, *, now: datetime, field: str) -> tuple[datetime, datetime]:
    """The period the query's bounds name (case_service.stats.period), or a 422 `validation-error` naming `field`."""
    try:
        return stats.period(since, until, now=now)
    except stats.BadPeriod as error:
        raise Problem(
            422,
            "validation-error",
            "Request is not valid",
            str(error),
            errors=[{"field": field, "message": str(error)}],
        ) from error
