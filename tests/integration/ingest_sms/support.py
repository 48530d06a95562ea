"""Helpers of the ingest_sms tests: settings, the app behind an httpx client, Twilio-signed requests, the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

import ingest_sms
from ingest_sms.app import create_app
from ingest_sms.models import outbox
from ingest_sms.settings import IngestSmsSettings
from shared.db import create_engine
from shared.settings import hash_api_key
from shared.tokens import Principal, Role, issue_token

PACKAGE_DIR = Path(ingest_sms.__file__).parent
API_KEY = "test-key-0123456789abcdef"
SIGNING_KEY = "ingest-sms-test-signing-key-0123456789abcdef"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
PUBLIC_URL = "https://support.example.com/sms"
OUR_NUMBER = "+84281234567"

Pairs = Sequence[tuple[str, str]]


def sms_settings(database_url: str, bootstrap: str, **overrides: Any) -> IngestSmsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": bootstrap,
        "api_key_hashes": hash_api_key(API_KEY),
        "token_signing_key": SIGNING_KEY,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "public_url": PUBLIC_URL,
        "from_number": OUR_NUMBER,
    }
    values.update(overrides)
    return IngestSmsSettings(**values)


@asynccontextmanager
async def running_sms(
    settings: IngestSmsSettings, *, consume: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running; its outbound consumer only with `consume` (joining a group costs ~5 s)."""
    app = create_app(settings)
    if not consume:
        app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest-sms") as client:
            yield app, client


def signature(url: str, params: Mapping[str, str] | Pairs | str, token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it, with the twilio library's own RequestValidator."""
    validator = RequestValidator(token)
    if isinstance(params, str):
        return str(validator.compute_signature(url, {}))
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    return str(validator.compute_signature(url, ImmutableMultiDict(pairs)))


async def post_signed(
    client: httpx.AsyncClient,
    path: str,
    params: Mapping[str, str] | Pairs,
    *,
    signed_as: str | None = None,
    token: str = AUTH_TOKEN,
) -> httpx.Response:
    """A form POST to `path`, signed for the public URL + `path` (or for `signed_as`, a full URL)."""
    url = signed_as or PUBLIC_URL + path
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    headers = {
        "X-Twilio-Signature": signature(url, pairs, token),
        "content-type": "application/x-www-form-urlencoded",
    }
    return await client.post(path, content=urlencode(pairs), headers=headers)


def auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def token_auth(role: Role, agent_id: str | None = None) -> dict[str, str]:
    issued = issue_token(SIGNING_KEY, principal=Principal(role, agent_id=agent_id), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.token}"}


async def outbox_events(where: FastAPI | str) -> list[dict[str, Any]]:
    """Every outbox row in order: the CloudEvent decoded, plus the row's topic and key.

    Read through the running app's own sessions when given the app: SQLite runs inline on the event loop, so a
    second connection holding the write lock while the app waits for it would block the loop (and itself).
    """
    query = select(outbox).order_by(outbox.c.id)
    if isinstance(where, FastAPI):
        async with where.state.runtime.sessions() as session:
            rows = (await session.execute(query)).all()
    else:
        engine = create_engine(where)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(query)).all()
        finally:
            await engine.dispose()
    return [{**json.loads(row.payload), "_topic": row.topic, "_key": row.key} for row in rows]


def sms(sid: str, sender: str, body: str, **extra: str) -> dict[str, str]:
    """An inbound SMS as Twilio posts it."""
    return {
        "ToCountry": "VN",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": OUR_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }
