"""What every route of case_service depends on: a database session, the case policy, the caller, the tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.policy import CasePolicy
from shared.auth import Principal, current_principal
from shared.runtime import ServiceRuntime


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime = cast(ServiceRuntime, request.app.state.runtime)
    async with runtime.sessions() as session:
        yield session


def _policy(request: Request) -> CasePolicy:
    return cast(CasePolicy, request.app.state.policy)


def _tenant(request: Request) -> str:
    return cast(str, request.app.state.tenant)


Session = Annotated[AsyncSession, Depends(_session)]
Policy = Annotated[CasePolicy, Depends(_policy)]
Caller = Annotated[Principal, Depends(current_principal)]
Tenant = Annotated[str, Depends(_tenant)]
