"""Routes of the gateway: complaints from integrators, and the dead letters of every consumer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from sqlalchemy.exc import OperationalError

from services.gateway import repository
from services.gateway.domain import TooManyAttachments, UnreplayableLetter
from services.gateway.intake import IdempotencyKeyReused, Intake
from services.gateway.replay import DeadLetterNotFound, replay_dead_letter
from services.gateway.schemas import (
    DeadLetterCount,
    DeadLetterPage,
    DeadLetterStats,
    DeadLetterView,
    MessageAccepted,
    MessageRequest,
    TokenIssued,
    TokenRequest,
)
from services.gateway.settings import GatewaySettings
from shared.attachments import Refused, Unreadable, upload_problem
from shared.auth import Principal
from shared.bus import BrokerUnavailable
from shared.problems import Problem
from shared.runtime import ServiceRuntime
from shared.tokens import issue_token

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
RETRY_AFTER_SECONDS = "5"

messages = APIRouter(prefix="/v1/messages", tags=["messages"])
deadletters = APIRouter(prefix="/v1/deadletters", tags=["dead letters"])
tokens = APIRouter(prefix="/v1/tokens", tags=["access tokens"])


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Required (400 without it): your unique key for this message; a retry with it creates nothing.",
        ),
    ] = None,
) -> str:
    key = (idempotency_key or "").strip()
    if not key:
        raise Problem(
            400, "idempotency-key-missing", "Idempotency-Key header required", "Send a unique Idempotency-Key."
        )
    if len(key) > MAX_KEY_LENGTH:
        raise Problem(
            400, "idempotency-key-invalid", "Idempotency-Key too long", f"At most {MAX_KEY_LENGTH} characters."
        )
    return key


Runtime = Annotated[ServiceRuntime, Depends(_runtime)]
IntakeDep = Annotated[Intake, Depends(_intake)]
IdempotencyKeyDep = Annotated[str, Depends(_idempotency_key)]


def _unavailable(kind: str, title: str, detail: str) -> Problem:
    problem = Problem(503, kind, title, detail)
    problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return problem


@messages.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    summary="Submit a complaint message",
    responses={
        400: {"description": "Idempotency-Key missing"},
        413: {"description": "The body is larger than GATEWAY_MAX_BODY_BYTES"},
        422: {
            "description": "Invalid, key reused, or a file refused: type `attachment-refused` (with `filename` and "
            "`reason`: a program, a type not accepted, or too large), `attachment-unreadable` (not base64) or "
            "`too-many-attachments`; nothing is accepted then"
        },
        503: {"description": "Storage unavailable: nothing was accepted; retry"},
    },
)
async def accept_message(
    key: IdempotencyKeyDep, message: MessageRequest, intake: IntakeDep, runtime: Runtime, response: Response
) -> MessageAccepted:
    """Accepted means stored durably, its files included: it is published to complaints.inbound.v1 even if the
    broker is down now. The event's attachments name each file's sha256 and `store: "gateway"`."""
    try:
        accepted = await intake.accept(message, idempotency_key=key, now=datetime.now(UTC))
    except (Refused, Unreadable) as error:
        raise upload_problem(error, then=" Nothing was accepted.") from None
    except TooManyAttachments as error:
        raise Problem(422, "too-many-attachments", "Too many attachments", f"{error}. Nothing was accepted.") from None
    except IdempotencyKeyReused:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key already used for another request",
            "Use a new key for a new message; repeat a request only with its original body.",
        ) from None
    except (OperationalError, OSError):
        raise _unavailable("storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.") from None
    if accepted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        runtime.relay.wake()
    return MessageAccepted(event_id=accepted.event_id)


@deadletters.get("", response_model=DeadLetterPage, summary="List dead letters, newest first")
async def list_dead_letters(
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    source_topic: Annotated[str | None, Query(max_length=249)] = None,
) -> DeadLetterPage:
    async with runtime.sessions() as session:
        letters, total = await repository.list_dead_letters(
            session, limit=limit, offset=offset, source_topic=source_topic
        )
    items = [DeadLetterView.model_validate(letter) for letter in letters]
    return DeadLetterPage(items=items, total=total, limit=limit, offset=offset)


@deadletters.get("/stats", response_model=DeadLetterStats, summary="Dead letters per source topic and consumer")
async def dead_letter_stats(runtime: Runtime) -> DeadLetterStats:
    async with runtime.sessions() as session:
        counts = await repository.dead_letter_counts(session)
    by_source = [
        DeadLetterCount(source_topic=topic, consumer_group=group, count=count, not_replayed=pending)
        for topic, group, count, pending in counts
    ]
    return DeadLetterStats(total=sum(item.count for item in by_source), by_source=by_source)


@deadletters.get("/{letter_id}", response_model=DeadLetterView, summary="One dead letter")
async def get_dead_letter(letter_id: str, runtime: Runtime) -> DeadLetterView:
    async with runtime.sessions() as session:
        letter = await repository.get_dead_letter(session, letter_id=letter_id)
    if letter is None:
        raise _not_found(letter_id)
    return DeadLetterView.model_validate(letter)


@deadletters.post("/{letter_id}/replay", response_model=DeadLetterView, summary="Republish to its source topic")
async def replay(letter_id: str, runtime: Runtime) -> DeadLetterView:
    """Returns once the broker acknowledged the original record; replaying twice is harmless (consumers dedup)."""
    try:
        letter = await replay_dead_letter(
            sessions=runtime.sessions, bus=runtime.bus, letter_id=letter_id, now=datetime.now(UTC)
        )
    except DeadLetterNotFound:
        raise _not_found(letter_id) from None
    except UnreplayableLetter as error:
        raise Problem(409, "dead-letter-unreplayable", "Dead letter cannot be replayed", str(error)) from None
    except BrokerUnavailable:
        raise _unavailable("broker-unavailable", "Broker unavailable", "Nothing was replayed; retry.") from None
    return DeadLetterView.model_validate(letter)


@tokens.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenIssued,
    summary="Issue a signed access token (admin only)",
    responses={
        403: {"description": "The caller is not an admin"},
        422: {"description": "Invalid request, or agent_id given for the wrong role"},
        503: {"description": "The gateway has no TOKEN_SIGNING_KEY"},
    },
)
async def create_token(body: TokenRequest, request: Request) -> TokenIssued:
    """Every service verifies the token with the shared TOKEN_SIGNING_KEY; it is valid until `expires_at`."""
    settings: GatewaySettings = request.app.state.settings
    if settings.token_signing_key is None:
        raise Problem(
            503, "tokens-unavailable", "Access tokens unavailable", "The gateway has no TOKEN_SIGNING_KEY set."
        )
    principal = Principal(role=body.role, agent_id=body.agent_id, subject=body.subject)
    issued = issue_token(
        settings.token_signing_key.get_secret_value(), principal=principal, ttl=timedelta(seconds=body.ttl_seconds)
    )
    log.info("issued an access token for role %s, valid until %s", body.role.value, issued.expires_at.isoformat())
    return TokenIssued(token=issued.token, role=body.role, agent_id=body.agent_id, expires_at=issued.expires_at)


def _not_found(letter_id: str) -> Problem:
    return Problem(404, "dead-letter-not-found", "No such dead letter", f"No dead letter has id {letter_id!r}.")
