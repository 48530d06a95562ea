"""Routes of ingest_sms: Twilio's signed webhooks (SMS, SMS status, voice status, transcription and recording) and
phone notes from agents and CTI systems."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.request_validator import RequestValidator

from ingest_sms import normalize, repository
from ingest_sms.authors import AuthorKind, current_author
from ingest_sms.delivery import record_outcome
from ingest_sms.intake import Accepted, Intake, StorageUnavailable, Write
from ingest_sms.normalize import Caller, Inbound, NotUnderstood, OptKeyword, Params
from ingest_sms.schemas import PhoneNoteAccepted, PhoneNoteRequest
from ingest_sms.settings import IngestSmsSettings
from ingest_sms.verify import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    Received,
    is_authentic,
    parameters,
    signed_url,
)
from shared.events import DeliveryStatus
from shared.ingest.media_jobs import both
from shared.ingest.service import MediaIntake
from shared.problems import Problem

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
RETRY_AFTER_SECONDS = "5"
MAX_NUMBER_LENGTH = 64

T = TypeVar("T")

twilio = APIRouter(prefix="/twilio", tags=["twilio webhooks"])
phone_notes = APIRouter(prefix="/v1/phone-notes", tags=["phone notes"])


@dataclass(frozen=True)
class Edge:
    """What the routes share, built once by the app."""

    settings: IngestSmsSettings
    intake: Intake
    validator: RequestValidator | None
    media: MediaIntake | None = None


def _edge(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


EdgeDep = Annotated[Edge, Depends(_edge)]


async def _signed_params(request: Request, edge: EdgeDep) -> dict[str, str]:
    """The webhook's parameters, once its X-Twilio-Signature proves Twilio sent them."""
    if edge.validator is None:
        raise Problem(404, "twilio-disabled", "Twilio endpoints disabled", "INGEST_SMS_TWILIO_AUTH_TOKEN is not set.")
    received = Received(
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
        signature=request.headers.get(SIGNATURE_HEADER),
        signature_settings=request.headers.get(SIGNATURE_SETTINGS_HEADER),
    )
    url = signed_url(
        public_base=edge.settings.public_url,
        path=request.url.path,
        query=request.url.query,
        received_url=str(request.url),
    )
    if not is_authentic(edge.validator, url=url, received=received):
        log.warning("refused a %s request without a valid Twilio signature", request.url.path)
        raise Problem(
            403,
            "twilio-signature-invalid",
            "Twilio signature invalid",
            f"{SIGNATURE_HEADER} does not match this request and the public URL; nothing was accepted.",
        )
    return parameters(received)


SignedParams = Annotated[dict[str, str], Depends(_signed_params)]

_SIGNED_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Missing or invalid X-Twilio-Signature: nothing accepted"},
    404: {"description": "Twilio endpoints disabled (no INGEST_SMS_TWILIO_AUTH_TOKEN)"},
    422: {"description": "Signed, but not what this endpoint takes"},
    503: {"description": "Neither local storage nor the broker took it (after retries)"},
}
_FORM_BODY = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}


@twilio.post(
    "/sms",
    summary="Inbound SMS/MMS (Twilio messaging webhook)",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}, "description": "Empty TwiML: stored"}, **_SIGNED_RESPONSES},
    openapi_extra=_FORM_BODY,
)
async def inbound_sms(params: SignedParams, edge: EdgeDep) -> Response:
    """Answers once the message is durable. STOP, START and HELP keywords are recorded for the number."""
    now = datetime.now(UTC)
    inbound = _understood(normalize.sms_event, params, now, edge)
    await _accept(edge, inbound, now=now, also=_consent_writer(inbound, now))
    return Response(EMPTY_TWIML, media_type="text/xml")


@twilio.post(
    "/sms/status",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Status of an SMS we sent (Twilio status callback)",
    responses=_SIGNED_RESPONSES,
    openapi_extra=_FORM_BODY,
)
async def sms_status(params: SignedParams, edge: EdgeDep) -> Response:
    """delivered, undelivered and failed are reported to the case; progress statuses are not news."""
    outcome = normalize.delivery_status(params.get("MessageStatus", ""))
    sid = params.get("MessageSid")
    if outcome is None or not sid:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    error = _error_of(params) if outcome is not DeliveryStatus.DELIVERED else None
    now = datetime.now(UTC)

    async def report(session: AsyncSession) -> bool:
        message = await repository.sent_message_by_sid(session, sid=sid)
        if message is None or message.status == outcome.value:
            return False  # not one of ours, or already reported
        await record_outcome(
            session,
            message,
            status=outcome,
            now=now,
            tenant=edge.settings.tenant,
            error=error,
            correlation_id=message.correlation_id,
        )
        return True

    if await _write(edge, report):
        edge.intake.wake_relay()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@twilio.post(
    "/voice/status",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Call status (Twilio voice status callback)",
    responses=_SIGNED_RESPONSES,
    openapi_extra=_FORM_BODY,
)
async def voice_status(params: SignedParams, edge: EdgeDep) -> Response:
    """A busy, failed, unanswered, cancelled or abandoned call from a customer becomes a `phone` message."""
    now = datetime.now(UTC)
    remember = _call_writer(params, now)
    missed = normalize.missed_call_status(params)
    if missed is None:
        if remember is not None:
            await _write(edge, remember)
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    inbound = _understood(lambda p, **kw: normalize.missed_call_event(p, status=missed, **kw), params, now, edge)
    await _accept(edge, inbound, now=now, also=remember)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@twilio.post(
    "/voice/transcription",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Voicemail transcription or call recording (Twilio callbacks)",
    responses=_SIGNED_RESPONSES,
    openapi_extra=_FORM_BODY,
)
async def voice_transcription(params: SignedParams, edge: EdgeDep) -> Response:
    """A transcript (TranscriptionSid) or a finished recording (RecordingSid) joins the caller's case."""
    now = datetime.now(UTC)
    transcribed = bool(params.get("TranscriptionSid"))
    if not transcribed and not normalize.recording_is_final(params):
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    caller = await _caller(params, edge)
    if caller is None:
        # Recording callbacks carry only the CallSid; without a status callback for that call we cannot say whose.
        log.warning("recording %s of an unknown call: nothing to attach it to", params.get("RecordingSid"))
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    build = normalize.transcription_event if transcribed else normalize.recording_event
    inbound = _understood(lambda p, **kw: build(p, caller=caller, **kw), params, now, edge)
    await _accept(edge, inbound, now=now, also=_call_writer(params, now))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@phone_notes.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PhoneNoteAccepted,
    summary="Record a note about a phone call",
    responses={
        401: {"description": "No admin key, CTI key (INGEST_SMS_CTI_KEY_HASHES) or valid access token"},
        403: {"description": "An agent writing a note as another agent"},
        422: {"description": "Invalid field, or a number that is not a phone number"},
        503: {"description": "Not stored; retry"},
    },
)
async def add_phone_note(body: PhoneNoteRequest, request: Request, edge: EdgeDep) -> PhoneNoteAccepted:
    """Becomes a `phone` message from the caller on their case (the named case when `case_reference` is given; an
    agent's note joins only a case assigned to them, else it opens a new one). The same `note_id` from the same
    author again creates nothing and answers the same `event_id`."""
    author = current_author(request)
    agent_id = body.agent_id
    if author.kind is AuthorKind.AGENT:
        if agent_id is not None and agent_id != author.agent_id:
            raise Problem(403, "forbidden", "Forbidden", "An agent records notes as themselves.")
        agent_id = author.agent_id
    caller = normalize.phone_sender(body.caller_number, default_region=edge.settings.default_region)
    if not caller.valid:
        raise Problem(
            422,
            "validation-error",
            "Request is not valid",
            "Invalid field(s): caller_number",
            errors=[{"field": "caller_number", "message": "not a phone number"}],
        )
    note = normalize.PhoneNote(
        note_id=body.note_id
        or normalize.default_note_id(
            caller=caller.address, started_at=body.started_at, agent_id=agent_id, text=body.note
        ),
        caller=caller,
        direction=body.direction,
        started_at=body.started_at,
        duration_seconds=body.duration_seconds,
        agent_id=agent_id,
        text=body.note,
        outcome=body.outcome,
        case_reference=body.case_reference,
        author=author,
    )
    now = datetime.now(UTC)
    data = normalize.phone_note_event(note, received_at=now)
    accepted = await _accept(edge, Inbound(data=data), now=now)
    return PhoneNoteAccepted(event_id=accepted.event_id, provider_message_id=data.provider_message_id)


def _understood(build: Callable[..., Inbound], params: Params, now: datetime, edge: Edge) -> Inbound:
    try:
        return build(params, received_at=now, default_region=edge.settings.default_region)
    except NotUnderstood as error:
        raise Problem(422, "twilio-request-not-understood", "Request not understood", str(error)) from None


async def _accept(edge: Edge, inbound: Inbound, *, now: datetime, also: Write[None] | None = None) -> Accepted:
    """Durable, with the job that fetches its media afterwards (Twilio is answered without waiting for them)."""
    media, data = edge.media, inbound.data
    if media is not None and inbound.media:
        data, download = media.jobs.plan(data, inbound.media, now=now, tenant=edge.settings.tenant)
        also = both(also, download)
    try:
        accepted = await edge.intake.accept(data, now=now, also=also)
    except StorageUnavailable:
        raise _unavailable() from None
    if media is not None and inbound.media and not accepted.duplicate:
        media.fetcher.wake()
    return accepted


async def _write(edge: Edge, work: Write[T]) -> T:
    try:
        return await edge.intake.write(work)
    except StorageUnavailable:
        raise _unavailable() from None


def _unavailable() -> Problem:
    problem = Problem(503, "storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.")
    problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return problem


def _consent_writer(inbound: Inbound, now: datetime) -> Write[None] | None:
    """STOP or START from a real phone number changes whether we may text it; HELP changes nothing."""
    keyword, sender = inbound.keyword, inbound.data.sender
    if keyword not in (OptKeyword.STOP, OptKeyword.START) or not sender.valid:
        return None

    async def write(session: AsyncSession) -> None:
        await repository.set_consent(
            session,
            number=sender.address,
            opted_out=keyword is OptKeyword.STOP,
            keyword=inbound.data.text.strip().upper()[:20],
            at=now,
        )

    return write


def _call_writer(params: Params, now: datetime) -> Write[None] | None:
    """Remember who a call was with, for the recording callbacks that name only its CallSid."""
    call_sid, from_number = params.get("CallSid", ""), params.get("From", "")
    if not call_sid or not from_number or len(call_sid) > MAX_NUMBER_LENGTH or len(from_number) > MAX_NUMBER_LENGTH:
        return None
    to_number = (params.get("To") or "")[:MAX_NUMBER_LENGTH] or None
    direction = (params.get("Direction") or "")[:32] or None

    async def write(session: AsyncSession) -> None:
        await repository.remember_call(
            session, call_sid=call_sid, from_number=from_number, to_number=to_number, direction=direction, at=now
        )

    return write


async def _caller(params: Params, edge: Edge) -> Caller | None:
    caller = normalize.caller_of(params)
    call_sid = params.get("CallSid")
    if caller is not None or not call_sid:
        return caller

    async def lookup(session: AsyncSession) -> Caller | None:
        call = await repository.find_call(session, call_sid=call_sid)
        if call is None:
            return None
        return normalize.caller_of(
            {"From": call.from_number, "To": call.to_number or "", "Direction": call.direction or ""}
        )

    return await _write(edge, lookup)


def _error_of(params: Params) -> str:
    code, message = params.get("ErrorCode", "").strip(), params.get("ErrorMessage", "").strip()
    described = f"Twilio error {code}" if code else f"Twilio status {params.get('MessageStatus')}"
    return f"{described}: {message}"[:500] if message else described
