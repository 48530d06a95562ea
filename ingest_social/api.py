"""Routes of ingest_social: each platform's webhook. A platform whose secret is not set answers 404; an unsigned
request 401, a forged one 403, and neither publishes anything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from ingest_social.delivery import DeliveryNews
from ingest_social.intake import take
from ingest_social.meta import normalize as meta_normalize
from ingest_social.meta import verify as meta_verify
from ingest_social.parsed import NotUnderstood, Parsed, load_json
from ingest_social.settings import IngestSocialSettings, secret
from ingest_social.telegram import normalize as telegram_normalize
from ingest_social.telegram import verify as telegram_verify
from ingest_social.x import normalize as x_normalize
from ingest_social.x import verify as x_verify
from ingest_social.zalo import normalize as zalo_normalize
from ingest_social.zalo import verify as zalo_verify
from shared.ingest.intake import Intake, StorageUnavailable
from shared.ingest.jsonbody import TooDeep
from shared.ingest.service import MediaIntake
from shared.problems import Problem

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"

webhooks = APIRouter(tags=["platform webhooks"])


@dataclass(frozen=True)
class Edge:
    """What the routes share, built once by the app."""

    settings: IngestSocialSettings
    intake: Intake
    news: DeliveryNews
    media: MediaIntake | None = None


def _edge(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


EdgeDep = Annotated[Edge, Depends(_edge)]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Stored: how many messages were accepted, were duplicates, statuses recorded, items skipped",
        "content": {"application/json": {"example": {"accepted": 1, "duplicates": 0, "statuses": 0, "skipped": 0}}},
    },
    400: {"description": "A JSON body nested deeper than any platform sends: nothing accepted"},
    401: {"description": "No signature: nothing accepted"},
    403: {"description": "Signature does not match: nothing accepted"},
    404: {"description": "The platform is disabled (its secret is not set)"},
    422: {"description": "Genuine, but not a body this platform sends"},
    503: {"description": "Neither local storage nor the broker took it (after retries); the platform retries"},
}
_JSON_BODY = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}


def _disabled(platform: str, setting: str) -> Problem:
    return Problem(404, f"{platform}-disabled", f"{platform.capitalize()} endpoints disabled", f"{setting} is not set.")


def _too_deep(error: TooDeep) -> Problem:
    return Problem(400, "json-too-deep", "JSON nested too deeply", str(error))


def _check(platform: str, header_name: str, header: str | None, *, authentic: bool) -> None:
    if not header:
        log.warning("refused a %s webhook without %s", platform, header_name)
        raise Problem(401, f"{platform}-signature-missing", "Signature missing", f"{header_name} is required.")
    if not authentic:
        log.warning("refused a %s webhook with a wrong %s", platform, header_name)
        raise Problem(403, f"{platform}-signature-invalid", "Signature invalid", f"{header_name} does not match.")


async def _accept(edge: Edge, parse: Callable[[Any], Parsed], body: bytes, *, now: datetime) -> JSONResponse:
    try:
        parsed = parse(load_json(body))
    except TooDeep as error:
        raise _too_deep(error) from None
    except NotUnderstood as error:
        raise Problem(422, "webhook-not-understood", "Request not understood", str(error)) from None
    try:
        outcome = await take(edge.intake, edge.news, parsed, now=now, media=edge.media)
    except StorageUnavailable:
        problem = Problem(503, "storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.")
        problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
        raise problem from None
    return JSONResponse(outcome.as_json())


@webhooks.get(
    "/meta/webhook",
    summary="Meta's subscription handshake",
    response_class=PlainTextResponse,
    responses={
        200: {"description": "The challenge, echoed"},
        400: {"description": "Not a challenge Meta sends (short word characters)"},
        403: {"description": "Wrong verify token"},
        404: {},
    },
)
async def meta_handshake(
    edge: EdgeDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> PlainTextResponse:
    if not edge.settings.meta_enabled:
        raise _disabled("meta", "INGEST_SOCIAL_META_APP_SECRET")
    if challenge is not None and not meta_verify.is_challenge(challenge):
        raise Problem(400, "meta-challenge-invalid", "Challenge refused", "hub.challenge is not one Meta sends.")
    verify_token = secret(edge.settings.meta_verify_token)
    answer = None
    if verify_token is not None:
        answer = meta_verify.challenge_answer(mode=mode, token=token, challenge=challenge, verify_token=verify_token)
    if answer is None:
        raise Problem(403, "meta-verify-token-invalid", "Verification refused", "hub.verify_token does not match.")
    return PlainTextResponse(answer)


@webhooks.post(
    "/meta/webhook",
    summary="Messenger, Instagram and WhatsApp Cloud events (X-Hub-Signature-256)",
    responses=_RESPONSES,
    openapi_extra=_JSON_BODY,
)
async def meta_events(request: Request, edge: EdgeDep) -> JSONResponse:
    """Each entry's each message is its own event; deliveries, reads and WhatsApp statuses are recorded on the
    replies they name; echoes are skipped. Page feed and Instagram comments only with INGEST_SOCIAL_PUBLIC_POSTS."""
    app_secret = secret(edge.settings.meta_app_secret)
    if app_secret is None:
        raise _disabled("meta", "INGEST_SOCIAL_META_APP_SECRET")
    body = await request.body()
    header = request.headers.get(meta_verify.SIGNATURE_HEADER)
    authentic = meta_verify.is_authentic(app_secret, body=body, header=header)
    _check("meta", meta_verify.SIGNATURE_HEADER, header, authentic=authentic)
    now = datetime.now(UTC)
    settings = edge.settings

    def parse(document: Any) -> Parsed:
        return meta_normalize.normalize(
            document, received_at=now, public_posts=settings.public_posts, default_region=settings.default_region
        )

    return await _accept(edge, parse, body, now=now)


@webhooks.post(
    "/telegram/webhook",
    summary="Telegram bot updates (X-Telegram-Bot-Api-Secret-Token)",
    responses=_RESPONSES,
    openapi_extra=_JSON_BODY,
)
async def telegram_updates(request: Request, edge: EdgeDep) -> JSONResponse:
    """`message`, `edited_message` and `callback_query` updates; other updates are skipped."""
    secret_token = secret(edge.settings.telegram_secret_token)
    if secret_token is None:
        raise _disabled("telegram", "INGEST_SOCIAL_TELEGRAM_SECRET_TOKEN")
    header = request.headers.get(telegram_verify.SECRET_HEADER)
    authentic = telegram_verify.is_authentic(secret_token, header=header)
    _check("telegram", telegram_verify.SECRET_HEADER, header, authentic=authentic)
    body = await request.body()
    now = datetime.now(UTC)
    return await _accept(edge, lambda document: telegram_normalize.normalize(document, received_at=now), body, now=now)


@webhooks.post(
    "/zalo/webhook",
    summary="Zalo Official Account events (X-ZEvent-Signature)",
    responses=_RESPONSES,
    openapi_extra=_JSON_BODY,
)
async def zalo_events(request: Request, edge: EdgeDep) -> JSONResponse:
    """`user_send_*` events are messages; `user_received_message`/`user_seen_message` mark replies delivered.
    Answers well inside Zalo's 2 s: the event is only written to the local outbox."""
    oa_secret = secret(edge.settings.zalo_oa_secret)
    if oa_secret is None:
        raise _disabled("zalo", "INGEST_SOCIAL_ZALO_OA_SECRET")
    body = await request.body()
    header = request.headers.get(zalo_verify.SIGNATURE_HEADER)
    settings = edge.settings
    try:
        authentic = zalo_verify.is_authentic(
            oa_secret, body=body, header=header, parts=settings.zalo_parts(), app_id=settings.zalo_app_id
        )
    except TooDeep as error:  # the mac needs fields of the body: it is parsed before it is known to be genuine
        raise _too_deep(error) from None
    _check("zalo", zalo_verify.SIGNATURE_HEADER, header, authentic=authentic)
    now = datetime.now(UTC)
    return await _accept(edge, lambda document: zalo_normalize.normalize(document, received_at=now), body, now=now)


@webhooks.get(
    "/x/webhook",
    summary="X's challenge-response check (CRC)",
    responses={
        200: {"description": '`{"response_token": "sha256=..."}`'},
        400: {"description": "No crc_token, or not one X sends (1 to 256 base64url characters)"},
        404: {},
    },
)
async def x_crc(edge: EdgeDep, crc_token: str | None = None) -> dict[str, str]:
    """Only short opaque tokens are answered: the answer is the signature a POST of the same bytes would carry,
    so a token that could be a body is refused (see ingest_social.x.verify)."""
    consumer_secret = secret(edge.settings.x_consumer_secret)
    if consumer_secret is None:
        raise _disabled("x", "INGEST_SOCIAL_X_CONSUMER_SECRET")
    if not crc_token:
        raise Problem(400, "crc-token-missing", "crc_token missing", "X's check passes `crc_token`.")
    if not x_verify.is_crc_token(crc_token):
        log.warning("refused an X CRC request with a token X does not send")
        detail = f"crc_token must be 1 to {x_verify.MAX_CRC_TOKEN_LENGTH} base64url characters."
        raise Problem(400, "crc-token-invalid", "crc_token refused", detail)
    return x_verify.crc_response(consumer_secret, crc_token)


@webhooks.post(
    "/x/webhook",
    summary="X Account Activity events (x-twitter-webhooks-signature)",
    responses=_RESPONSES,
    openapi_extra=_JSON_BODY,
)
async def x_events(request: Request, edge: EdgeDep) -> JSONResponse:
    """Direct messages to the account; our own DMs, typing and read indicators are skipped."""
    consumer_secret = secret(edge.settings.x_consumer_secret)
    if consumer_secret is None:
        raise _disabled("x", "INGEST_SOCIAL_X_CONSUMER_SECRET")
    body = await request.body()
    header = request.headers.get(x_verify.SIGNATURE_HEADER)
    authentic = x_verify.is_authentic(consumer_secret, body=body, header=header)
    _check("x", x_verify.SIGNATURE_HEADER, header, authentic=authentic)
    now = datetime.now(UTC)
    return await _accept(edge, lambda document: x_normalize.normalize(document, received_at=now), body, now=now)
