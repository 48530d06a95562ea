"""The desk's live streams (agents only), each relayed with the agent's own token so they carry only that agent's
work: `GET /desk/live/offers` (the router's agent stream: offer, offer_expired, assignment, follow_up...) and
`GET /desk/live/cases` (the case service's stream: message.added, delivery.updated, sla.at_risk, sla.breached,
case.updated). Each says `console_ready` once the service listens (see services.console.live)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.console.auth import CurrentUser, UserApi, require_roles
from services.console.live import relay
from services.console.screens.desk import agent_id
from services.console.services_client import Service, api_path
from shared.tokens import Role

router = APIRouter(prefix="/desk/live", dependencies=[require_roles(Role.AGENT)])
NAV = None


@router.get("/offers", include_in_schema=False)
async def offers(user: CurrentUser, api: UserApi) -> StreamingResponse:
    path = api_path("/v1/agents/{agent_id}/stream", agent_id=agent_id(user))
    return relay(api, Service.ROUTER, path, announce_ready=True)


@router.get("/cases", include_in_schema=False)
async def cases(api: UserApi) -> StreamingResponse:
    return relay(api, Service.CASES, "/v1/stream", announce_ready=True)
