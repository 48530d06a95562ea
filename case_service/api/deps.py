"""What every route of case_service depends on: a database session, the case policy, the download links, the caller
(and whether they are staff), the tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.downloads import DownloadLinks
from case_service.policy import CasePolicy
from case_service.reply_files import ReplyFiles
from shared.auth import Principal, current_principal
from shared.problems import PROBLEM_JSON, Problem
from shared.runtime import ServiceRuntime


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime = cast(ServiceRuntime, request.app.state.runtime)
    async with runtime.sessions() as session:
        yield session


def _policy(request: Request) -> CasePolicy:
    return cast(CasePolicy, request.app.state.policy)


def _links(request: Request) -> DownloadLinks:
    return cast(DownloadLinks, request.app.state.links)


def _reply_files(request: Request) -> ReplyFiles:
    return cast(ReplyFiles, request.app.state.reply_files)


def _tenant(request: Request) -> str:
    return cast(str, request.app.state.tenant)


Session = Annotated[AsyncSession, Depends(_session)]
Policy = Annotated[CasePolicy, Depends(_policy)]
Links = Annotated[DownloadLinks, Depends(_links)]
Files = Annotated[ReplyFiles, Depends(_reply_files)]
Caller = Annotated[Principal, Depends(current_principal)]
Tenant = Annotated[str, Depends(_tenant)]


def _staff(caller: Caller) -> Principal:
    """The caller, when a supervisor or an admin; 403 problem+json for an agent."""
    if not caller.sees_all:
        raise Problem(403, "forbidden", "Forbidden", "This needs one of the roles: admin, supervisor.")
    return caller


Staff = Annotated[Principal, Depends(_staff)]
STAFF_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Agents may not: supervisors and admins only.", "content": {PROBLEM_JSON: {}}}
}
