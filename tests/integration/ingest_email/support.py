"""Helpers of the ingest_email tests: settings, the app running (SMTP listener included), an SMTP client, the
outbox."""

from __future__ import annotations

import asyncio
import base64
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

import ingest_email
from ingest_email.app import create_app
from ingest_email.models import outbox
from ingest_email.settings import IngestEmailSettings
from shared.settings import hash_api_key
from tests.support.polling import eventually
from tests.support.service_apps import outbox_events as service_outbox_events
from tests.support.service_apps import serving

PACKAGE_DIR = Path(ingest_email.__file__).parent
API_KEY = "test-key-0123456789abcdef"
BASIC_USER, BASIC_PASSWORD = "parse", "webhook-password-0123"
MAILGUN_KEY = "key-mailgun-test-0123456789"
SUPPORT = "support@example.com"


def email_settings(database_url: str, bootstrap: str, data_dir: Path, **overrides: Any) -> IngestEmailSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": bootstrap,
        "api_key_hashes": hash_api_key(API_KEY),
        "data_dir": data_dir,
        "smtp_port": 0,
        "webhook_basic_auth": f"{BASIC_USER}:{BASIC_PASSWORD}",
        "mailgun_signing_key": MAILGUN_KEY,
        # Sender checks ask DNS: only the tests that serve the records themselves (test_sender_authentication) do.
        "smtp_check_sender": False,
    }
    values.update(overrides)
    return IngestEmailSettings(**values)


@asynccontextmanager
async def running_email(
    settings: IngestEmailSettings, *, consume: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running (SMTP listener included); its outbound consumer only with `consume`."""
    app = create_app(settings)
    async with serving(app, consume=consume, base_url="http://ingest-email") as client:
        await eventually(_listening(app), within=10, what="the SMTP listener")
        yield app, client


def _listening(app: FastAPI) -> Any:
    async def probe() -> int | None:
        port: int | None = app.state.smtp.port
        return port

    return probe


async def smtp_send(app: FastAPI, raw: bytes, *, mail_from: str, to: list[str]) -> dict[str, tuple[int, bytes]]:
    """Deliver `raw` with smtplib to the running listener; answers smtplib's refused recipients."""
    port = app.state.smtp.port

    def send() -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            return client.sendmail(mail_from, to, raw)

    return await asyncio.to_thread(send)


def basic_auth() -> dict[str, str]:
    token = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


async def outbox_events(app: FastAPI) -> list[dict[str, Any]]:
    return await service_outbox_events(app, outbox)
