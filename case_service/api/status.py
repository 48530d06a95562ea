"""Status links: the customer's status page (`GET /v1/status/{token}`, the token is its only credential, like a
survey's) and the staff's routes to issue and revoke a case's links and to find where a submitted message went."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from case_service import case_queries, status_links, status_view, timeline
from case_service.api.deps import STAFF_ONLY, Caller, Links, Policy, Session, Staff
from case_service.models import Case, Message
from case_service.schemas.status import CaseStatusView, InboundPlacement, StatusLinkIssued, StatusLinksRevoked
from shared.auth import Principal, Role
from shared.events import Channel
from shared.problems import PROBLEM_JSON, Problem

log = logging.getLogger(__name__)

public = APIRouter(tags=["status page"])
staff = APIRouter(tags=["status page"])

Token = Annotated[str, Path(min_length=16, max_length=128, description="The token from the status link.")]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


_NO_LINK = _problem("No status page at this link (status-link-not-found).")
_GONE = _problem("The link expired or was revoked (status-link-expired, status-link-revoked).")
_CASE_NOT_FOUND = _problem("No such case, or it is not assigned to the calling agent.")


@public.get("/status/{token}", responses={404: _NO_LINK, 410: _GONE})
async def status_page(token: Token, session: Session, links: Links) -> CaseStatusView:
    """The case of the link: reference, status and the messages exchanged, nothing else. A link for one case never
    shows another; an expired or revoked one answers 410 with the reason."""
    now = datetime.now(UTC)
    found = await status_links.find(session, token=token, now=now)
    if found is None:
        raise Problem(404, "status-link-not-found", "Status link not found", "There is no status page at this link.")
    if found.state is not status_links.LinkState.VALID:
        raise Problem(
            410,
            f"status-link-{found.state.value}",
            "Status link no longer works",
            f"This status link has {'expired' if found.state is status_links.LinkState.EXPIRED else 'been revoked'}.",
        )
    return await status_view.view_of(session, link=found.link, case=found.case, links=links, now=now)


@staff.post(
    "/cases/{case_id}/status-links/revoke", responses={404: _CASE_NOT_FOUND}, summary="Revoke the case's status links"
)
async def revoke_links(case_id: str, session: Session, caller: Caller) -> StatusLinksRevoked:
    """Every status link of the case stops working at once (its agent, a supervisor or an admin may); recorded on
    the timeline. Revoking again revokes nothing more."""
    now = datetime.now(UTC)
    async with session.begin():
        case = await _visible(session, case_id, caller)
        actor = timeline.actor_of(caller)
        revoked = await status_links.revoke(session, case_id=case.id, by=actor.id or actor.kind, now=now)
        if revoked:
            timeline.record(
                session,
                case_id=case.id,
                kind="status_links_revoked",
                actor=actor,
                at=now,
                detail={"count": revoked},
            )
    log.info("revoked %d status links of case %s", revoked, case_id)
    return StatusLinksRevoked(case_id=case_id, revoked=revoked)


@staff.post(
    "/cases/{case_id}/status-links",
    status_code=201,
    responses={**STAFF_ONLY, 404: _CASE_NOT_FOUND, 503: _problem("The service has no status link key.")},
    summary="Issue a new status link for the case (supervisors and admins)",
)
async def issue_link(case_id: str, session: Session, caller: Staff, policy: Policy) -> StatusLinkIssued:
    """A new link to the case's status page, to hand to its customer (e.g. after the old ones were revoked)."""
    now = datetime.now(UTC)
    async with session.begin():
        case = await _visible(session, case_id, caller)
        token = await status_links.issue(
            session, case=case, policy=policy.status_links, now=now, origin=status_links.STAFF
        )
        if token is None:
            raise Problem(
                503, "status-links-unavailable", "Status links unavailable", "No status link key is configured."
            )
        timeline.record(
            session, case_id=case.id, kind="status_link_issued", actor=timeline.actor_of(caller), at=now, detail={}
        )
    return StatusLinkIssued(
        case_id=case.id, url=policy.status_url(token), expires_at=now + policy.status_links.validity
    )


def _admin(caller: Caller) -> Principal:
    if caller.role is not Role.ADMIN:
        raise Problem(403, "forbidden", "Forbidden", "This needs the admin role.")
    return caller


@staff.get(
    "/inbound-messages",
    responses={
        403: _problem("Admins only: the answer carries the customer's status link."),
        404: _problem("Not stored yet (or never received)."),
    },
    summary="Where a received message went (admins)",
)
async def inbound_placement(
    session: Session,
    policy: Policy,
    _: Annotated[Principal, Depends(_admin)],
    channel: Channel,
    provider_message_id: Annotated[str, Query(min_length=1, max_length=500)],
) -> InboundPlacement:
    """The case a message (by its channel and provider message id, e.g. `idem:<Idempotency-Key>` for the gateway's)
    landed in, with a working status link of that case: what the console's receipt page shows the customer."""
    row = (
        await session.execute(
            select(Message.id, Case.id, Case.reference, Case.status)
            .join(Case, Case.id == Message.case_id)
            .where(Message.channel == channel.value, Message.provider_message_id == provider_message_id)
        )
    ).first()
    if row is None:
        raise Problem(404, "message-not-found", "Message not found", "No such message is stored (yet).")
    message_id, case_id, reference, status = row
    url = await status_links.current_url(session, case_id=case_id, policy=policy, now=datetime.now(UTC))
    return InboundPlacement(
        message_id=message_id, case_id=case_id, case_reference=reference, case_status=status, status_url=url
    )


async def _visible(session: Session, case_id: str, caller: Principal) -> Case:
    case = await case_queries.visible_case(session, case_id=case_id, caller=caller, for_update=True)
    if case is None:
        raise Problem(404, "case-not-found", "Case not found", f"There is no case with id {case_id}.")
    return case
