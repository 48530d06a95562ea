"""Composition root of router_service."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import Depends, FastAPI

from router_service import api
from router_service.broadcast import BROADCASTER, Broadcaster
from router_service.escalation import on_sla_at_risk, on_sla_breached
from router_service.escalation_request import on_escalation_requested
from router_service.follow_ups import on_follow_up_due
from router_service.handlers import on_case_opened
from router_service.lifecycle import on_case_closed, on_case_resolved
from router_service.models import Base
from router_service.reassign import AwayReassigner
from router_service.reclassify import on_case_reclassified
from router_service.relaxation import Relaxer
from router_service.reopen import on_case_reopened
from router_service.settings import RouterServiceSettings
from router_service.sweeper import OfferSweeper
from shared import topics
from shared.auth import require_principal
from shared.events import (
    CaseClosed,
    CaseEscalationRequested,
    CaseFollowUpDue,
    CaseOpened,
    CaseReclassified,
    CaseReopened,
    CaseResolved,
    CaseSlaAtRisk,
    CaseSlaBreached,
)
from shared.runtime import ServiceRuntime
from shared.webapp import new_service_app

SERVICE_NAME = "router_service"


def create_app(settings: RouterServiceSettings) -> FastAPI:
    policy = settings.routing_policy()
    runtime = ServiceRuntime(
        name=SERVICE_NAME,
        settings=settings,
        metadata=Base.metadata,
        consumer_topics=(topics.CASES_EVENTS,),
        handlers={
            CaseOpened.event_type: partial(on_case_opened, policy=policy),
            CaseResolved.event_type: partial(on_case_resolved, policy=policy),
            CaseClosed.event_type: partial(on_case_closed, policy=policy),
            CaseSlaAtRisk.event_type: partial(on_sla_at_risk, policy=policy),
            CaseSlaBreached.event_type: partial(on_sla_breached, policy=policy),
            CaseReopened.event_type: partial(on_case_reopened, policy=policy),
            CaseReclassified.event_type: partial(on_case_reclassified, policy=policy),
            CaseEscalationRequested.event_type: partial(on_escalation_requested, policy=policy),
            CaseFollowUpDue.event_type: on_follow_up_due,
        },
    )
    broadcaster = Broadcaster()
    # Every session carries the broadcaster, so changes committed by the consumer reach the agents' streams too.
    runtime.sessions.configure(info={BROADCASTER: broadcaster})
    runtime.add_task(
        OfferSweeper(
            sessions=runtime.sessions,
            policy=settings.routing_policy(),
            interval=settings.offer_sweep_interval_s,
            after_commit=runtime.relay.wake,
        )
    )

    runtime.add_task(
        Relaxer(
            sessions=runtime.sessions,
            after=settings.relax_after(),
            policy=settings.routing_policy(),
            interval=settings.relax_interval_s,
            after_commit=runtime.relay.wake,
        )
    )
    runtime.add_task(
        AwayReassigner(
            sessions=runtime.sessions,
            grace=timedelta(seconds=settings.away_grace_s),
            policy=settings.routing_policy(),
            interval=settings.away_check_interval_s,
            after_commit=runtime.relay.wake,
        )
    )
    app = new_service_app(title="Router service", settings=settings, runtime=runtime)
    app.state.broadcaster = broadcaster
    # Authenticates every route and leaves the caller on the request; api.py scopes what an agent token may do.
    app.include_router(api.router, dependencies=[Depends(require_principal(settings))])
    return app
