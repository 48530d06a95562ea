"""Read API of case_service: a case with its messages, and the customer 360 by id or by contact address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import domain, repository
from case_service.schemas import CaseDetail, CaseList, CaseSummary, ContactPointOut, CustomerDetail, MessageOut
from case_service.settings import CaseServiceSettings
from shared.auth import require_api_key
from shared.events import AddressKind
from shared.problems import Problem

CASES_PER_CUSTOMER = 100


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session)]


def api_router(settings: CaseServiceSettings) -> APIRouter:
    router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key(settings.accepted_key_hashes()))])

    @router.get("/cases/{case_id}", tags=["cases"])
    async def get_case(case_id: str, session: Session) -> CaseDetail:
        case = await repository.get_case(session, case_id=case_id)
        if case is None:
            raise Problem(404, "case-not-found", "Case not found", f"There is no case with id {case_id}.")
        messages = await repository.messages_of(session, case_id=case_id)
        return CaseDetail.model_validate(
            {
                **CaseSummary.model_validate(case).model_dump(),
                "messages": [MessageOut.model_validate(message) for message in messages],
            }
        )

    @router.get("/cases", tags=["cases"])
    async def list_cases(
        session: Session,
        customer_id: str | None = None,
        status: domain.CaseStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> CaseList:
        """Cases newest first, optionally of one customer and in one status."""
        cases = await repository.list_cases(session, customer_id=customer_id, status=status, limit=limit)
        return CaseList(items=[CaseSummary.model_validate(case) for case in cases])

    @router.get("/customers/{customer_id}", tags=["customers"])
    async def get_customer(customer_id: str, session: Session) -> CustomerDetail:
        return await _customer_detail(session, customer_id)

    @router.get("/customers", tags=["customers"])
    async def find_customer(
        session: Session,
        contact: Annotated[str, Query(min_length=1, max_length=500, description="Email, phone or platform id.")],
        kind: Annotated[AddressKind | None, Query(description="What `contact` is, when it may be several.")] = None,
    ) -> CustomerDetail:
        """The customer owning `contact`, normalized first (email lower-cased, phone to E.164)."""
        keys = domain.contact_candidates(contact, kind=kind, default_region=settings.default_region)
        owners = sorted(await repository.customers_owning(session, keys=keys))
        if not owners:
            raise Problem(404, "customer-not-found", "Customer not found", "No customer has this contact address.")
        if len(owners) > 1:
            raise Problem(
                409,
                "ambiguous-contact",
                "Several customers match",
                "The address belongs to several customers as different kinds; pass `kind` to choose.",
                customer_ids=owners,
            )
        return await _customer_detail(session, owners[0])

    return router


async def _customer_detail(session: AsyncSession, customer_id: str) -> CustomerDetail:
    customer = await repository.get_customer(session, customer_id=customer_id)
    if customer is None:
        raise Problem(404, "customer-not-found", "Customer not found", f"There is no customer with id {customer_id}.")
    points = await repository.contact_points_of(session, customer_id=customer_id)
    cases = await repository.list_cases(session, customer_id=customer_id, limit=CASES_PER_CUSTOMER)
    return CustomerDetail(
        id=customer.id,
        display_name=customer.display_name,
        created_at=customer.created_at,
        contact_points=[ContactPointOut.model_validate(point) for point in points],
        cases=[CaseSummary.model_validate(case) for case in cases],
    )
