"""Helpers of the ingest_sms tests: settings, the app behind an httpx client, Twilio-signed requests, the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

import ingest_sms
from ingest_sms.app import create_app
from ingest_sms.models import outbox
from ingest_sms.settings import IngestSmsSettings
from shared.cloudevents import CloudEvent, decode
from shared.settings import hash_api_key
from shared.tokens import Principal, Role, issue_token
from tests.support.polling import eventually
from tests.support.service_apps import outbox_events as service_outbox_events
from tests.support.service_apps import serving

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
        "fetch_media": False,  # no test reaches Twilio itself: those about media turn it on, with a fake Twilio
    }
    values.update(overrides)
    return IngestSmsSettings(**values)


@asynccontextmanager
async def running_sms(
    settings: IngestSmsSettings, *, consume: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running; its outbound consumer only with `consume`."""
    app = create_app(settings)
    async with serving(app, consume=consume, base_url="http://ingest-sms") as client:
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
    return await service_outbox_events(where, outbox)


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


async def first_record(
    broker: str, topic: str, *, matching: Callable[[CloudEvent], bool] = lambda event: True, within: float = 20
) -> tuple[bytes | None, CloudEvent]:
    """The key and event of the first record on `topic` whose event is `matching`, read from the start."""
    reader = AIOKafkaConsumer(topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest")
    await reader.start()
    try:

        async def probe() -> tuple[bytes | None, CloudEvent] | None:
            for batch in (await reader.getmany(timeout_ms=200)).values():
                for record in batch:
                    event = decode(record.value or b"")
                    if matching(event):
                        return record.key, event
            return None

        return await eventually(probe, within=within, what=f"a matching record on {topic}")
    finally:
        await reader.stop()
