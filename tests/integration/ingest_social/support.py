"""Helpers of the ingest_social tests: settings, the app behind an httpx client, signed requests per platform,
the outbox, and handing outbound requests to the service as its consumer would."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

import ingest_social
from ingest_social.app import create_app
from ingest_social.handlers import OutboundHandlers
from ingest_social.meta.verify import signature as meta_signature
from ingest_social.models import outbox
from ingest_social.settings import IngestSocialSettings
from ingest_social.x.verify import signature as x_signature
from shared.cloudevents import CloudEvent, new_event
from shared.events import AddressKind, Channel, ContactAddress, OutboundMessageRequested, OutboundPurpose, ThreadRefs
from shared.settings import hash_api_key
from tests.support.fake_platforms import META, TELEGRAM, ZALO, FakePlatforms, X
from tests.support.polling import eventually
from tests.support.service_apps import outbox_events as service_outbox_events
from tests.support.service_apps import serving
from tests.unit.ingest_social.samples import ZALO_APP_ID

PACKAGE_DIR = Path(ingest_social.__file__).parent
API_KEY = "test-key-0123456789abcdef"
SIGNING_KEY = "ingest-social-test-signing-key-0123456789abcdef"
META_APP_SECRET = "meta-app-secret-0123"
META_VERIFY_TOKEN = "meta-verify-token"
META_ACCESS_TOKEN = "EAAG-page-token"
TELEGRAM_SECRET = "telegram-secret_Token-1"
TELEGRAM_BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
ZALO_OA_SECRET = "zalo-oa-secret-key"
ZALO_ACCESS_TOKEN = "zalo-access-token"
X_CONSUMER_SECRET = "x-consumer-secret"
X_ACCESS_TOKEN = "x-user-access-token"


def social_settings(
    database_url: str, bootstrap: str, *, fake: FakePlatforms | None = None, **overrides: Any
) -> IngestSocialSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": bootstrap,
        "api_key_hashes": hash_api_key(API_KEY),
        "token_signing_key": SIGNING_KEY,
        "meta_app_secret": META_APP_SECRET,
        "meta_verify_token": META_VERIFY_TOKEN,
        "meta_access_token": META_ACCESS_TOKEN,
        "telegram_secret_token": TELEGRAM_SECRET,
        "telegram_bot_token": TELEGRAM_BOT_TOKEN,
        "zalo_app_id": ZALO_APP_ID,
        "zalo_oa_secret": ZALO_OA_SECRET,
        "zalo_access_token": ZALO_ACCESS_TOKEN,
        "x_consumer_secret": X_CONSUMER_SECRET,
        "x_access_token": X_ACCESS_TOKEN,
        "fetch_media": False,  # no test reaches a platform itself: those about media turn it on, with the fakes
    }
    if fake is not None:
        values.update(
            meta_graph_url=fake.url(META),
            telegram_api_url=fake.url(TELEGRAM),
            zalo_api_url=fake.url(ZALO),
            x_api_url=fake.url(X),
        )
    values.update(overrides)
    return IngestSocialSettings(**values)


@asynccontextmanager
async def running_social(
    settings: IngestSocialSettings, *, consume: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running; its outbound consumer only with `consume`."""
    app = create_app(settings)
    async with serving(app, consume=consume, base_url="http://ingest-social") as client:
        yield app, client


def body_of(document: Any) -> bytes:
    """As Meta and others send it: compact JSON, non-ASCII escaped."""
    return json.dumps(document, separators=(",", ":")).encode()


async def post_meta(
    client: httpx.AsyncClient, document: Any, *, secret: str | None = META_APP_SECRET, send: bytes | None = None
) -> httpx.Response:
    """Signed over `document`; `send` replaces the body after signing (a forgery)."""
    body = body_of(document)
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = meta_signature(secret, body)
    return await client.post("/meta/webhook", content=send or body, headers=headers)


async def post_telegram(
    client: httpx.AsyncClient, update: Any, *, token: str | None = TELEGRAM_SECRET
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    return await client.post("/telegram/webhook", content=body_of(update), headers=headers)


def zalo_mac(body: bytes, secret: str) -> str:
    event = json.loads(body)
    parts = str(event["app_id"]).encode() + body + str(event["timestamp"]).encode() + secret.encode()
    return "mac=" + hashlib.sha256(parts).hexdigest()


async def post_zalo(
    client: httpx.AsyncClient, event: Any, *, secret: str | None = ZALO_OA_SECRET, send: bytes | None = None
) -> httpx.Response:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["X-ZEvent-Signature"] = zalo_mac(body, secret)
    return await client.post("/zalo/webhook", content=send or body, headers=headers)


async def post_x(
    client: httpx.AsyncClient, document: Any, *, secret: str | None = X_CONSUMER_SECRET, send: bytes | None = None
) -> httpx.Response:
    body = body_of(document)
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-twitter-webhooks-signature"] = x_signature(secret, body)
    return await client.post("/x/webhook", content=send or body, headers=headers)


async def outbox_events(app: FastAPI) -> list[dict[str, Any]]:
    return await service_outbox_events(app, outbox)


async def received_events(app: FastAPI) -> list[dict[str, Any]]:
    return [e for e in await outbox_events(app) if e["type"] == "complaint.message.received.v1"]


async def reports(app: FastAPI) -> list[dict[str, Any]]:
    return [e for e in await outbox_events(app) if e["type"] == "outbound.delivery_reported.v1"]


async def wait_reports(app: FastAPI, count: int, *, within: float = 20) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        found = await reports(app)
        return found if len(found) >= count else None

    return await eventually(enough, within=within, what=f"{count} delivery report(s)")


_KINDS = {
    Channel.MESSENGER: AddressKind.MESSENGER,
    Channel.INSTAGRAM: AddressKind.INSTAGRAM,
    Channel.WHATSAPP: AddressKind.WHATSAPP,
    Channel.TELEGRAM: AddressKind.TELEGRAM,
    Channel.ZALO: AddressKind.ZALO,
    Channel.X: AddressKind.X,
    Channel.SMS: AddressKind.PHONE,
}


def requested(
    channel: Channel,
    to: str,
    *,
    from_address: str | None = None,
    conversation_id: str | None = None,
    text: str = "Chúng tôi đã nhận phản ánh của quý khách, mã hồ sơ C-2026-000001.",
) -> OutboundMessageRequested:
    return OutboundMessageRequested(
        outbound_id=str(uuid.uuid4()),
        case_id="case-1",
        case_reference="C-2026-000001",
        customer_id="customer-1",
        channel=channel,
        purpose=OutboundPurpose.REPLY,
        to=ContactAddress(kind=_KINDS[channel], address=to),
        from_address=from_address,
        text=text,
        thread=ThreadRefs(conversation_id=conversation_id),
        requested_at=datetime.now(UTC),
    )


async def hand_over(app: FastAPI, data: OutboundMessageRequested) -> CloudEvent:
    """Give the request to the outbound handler as the consumer would (its own transaction)."""
    handlers = OutboundHandlers(wake_sender=app.state.sender.wake)
    event = new_event(data, source="case_service", correlation_id="corr-1")
    async with app.state.runtime.sessions() as session, session.begin():
        await handlers.on_outbound_requested(session, event, data)
    return event
