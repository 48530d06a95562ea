"""The customers' pages under test: the console (no one signed in) in front of the real gateway and the real
case_service, both over HTTP, with what the customer was sent read from case_service's outbox and the gateway's
accepted messages handed to case_service's inbound handler (the broker's part, done by hand)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select

import services.gateway
from case_service import actions
from case_service.app import create_app as create_case_service
from case_service.handlers import CaseHandlers
from case_service.models import Base as CaseBase
from case_service.models import Case, Message
from case_service.models import outbox as case_outbox
from case_service.scheduler import Scheduler
from case_service.settings import CaseServiceSettings
from services.console.public.forms import FormTokens
from services.gateway.app import create_app as create_gateway
from services.gateway.models import outbox as gateway_outbox
from services.gateway.settings import GatewaySettings
from shared.cloudevents import CloudEvent
from shared.db import create_engine
from shared.events import ComplaintMessageReceived
from shared.migrations import upgrade
from shared.settings import hash_api_key
from shared.tokens import Principal, Role
from tests.integration.console.support import (
    API_KEY,
    BASE_URL,
    SIGNING_KEY,
    Console,
    console_settings,
    running_console,
    served_over_http,
)
from tests.support.broker import free_port
from tests.support.databases import sqlite_url

FORM_KEY = "public-pages-test-form-key-0123456789abcdefXYZ"
# The key case_service signs download links with and the gateway (which stores the customers' files) checks.
LINK_KEY = "public-pages-test-link-key-9876543210fedcbaQRS"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
STATUS_LINK = re.compile(r"/status/([A-Za-z0-9_-]{16,})")
SURVEY_LINK = re.compile(r"/survey/([A-Za-z0-9_-]{16,})")
VIETNAMESE = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9"}
ENGLISH = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}


def form_token(page: httpx.Response) -> str:
    found = FORM_TOKEN.search(page.text)
    assert found, f"no form token on the page:\n{page.text[:3000]}"
    return found.group(1)


@dataclass
class Gateway:
    url: str
    database_url: str

    async def accepted(self) -> list[CloudEvent]:
        """The messages the gateway made durable (its outbox), oldest first."""
        engine = create_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(select(gateway_outbox).order_by(gateway_outbox.c.id))).all()
        finally:
            await engine.dispose()
        return [CloudEvent.model_validate_json(row.payload) for row in rows]

    async def raw_outbox(self) -> str:
        engine = create_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(select(gateway_outbox))).all()
        finally:
            await engine.dispose()
        return "\n".join(str(row.payload) for row in rows)


@dataclass
class Cases:
    """case_service over HTTP, and its inbound handler for the messages the gateway accepted."""

    url: str
    app: Any
    handlers: CaseHandlers

    async def deliver(self, event: CloudEvent) -> str:
        data = ComplaintMessageReceived.model_validate(event.data)
        sessions = self.app.state.runtime.sessions
        async with sessions() as session, session.begin():
            await self.handlers.on_message_received(session, event, data)
        async with sessions() as session:
            found = await session.execute(
                select(Message.case_id).where(
                    Message.channel == data.channel.value, Message.provider_message_id == data.provider_message_id
                )
            )
            return str(found.scalar_one())

    async def delivered_texts(self, purpose: str) -> dict[str, str]:
        """{case id: text} of what the customers were sent for `purpose` (as the channel got it)."""
        async with self.app.state.runtime.engine.connect() as connection:
            rows = (await connection.execute(select(case_outbox).order_by(case_outbox.c.id))).all()
        texts = {}
        for row in rows:
            event = json.loads(row.payload)
            if event["type"] == "outbound.message.requested.v1" and event["data"]["purpose"] == purpose:
                texts[event["data"]["case_id"]] = event["data"]["text"]
        return texts

    async def status_token(self, case_id: str) -> str:
        found = STATUS_LINK.search((await self.delivered_texts("acknowledgement"))[case_id])
        assert found is not None
        return found[1]

    async def case(self, case_id: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, trust_env=False) as client:
            response = await client.get(f"/v1/cases/{case_id}", headers={"Authorization": f"Bearer {API_KEY}"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def act(self, case_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, trust_env=False) as client:
            response = await client.post(
                f"/v1/cases/{case_id}/{action}", json=body, headers={"Authorization": f"Bearer {API_KEY}"}
            )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def resolve(self, case_id: str, *, at: datetime) -> None:
        """An agent resolves the case at `at` (a supervisor's action, as the desk would take it)."""
        async with self.app.state.runtime.sessions() as session, session.begin():
            case = await session.get(Case, case_id, with_for_update=True)
            assert case is not None
            await actions.resolve(
                session,
                case=case,
                caller=Principal(Role.SUPERVISOR, subject="sup"),
                policy=self.app.state.policy,
                now=at,
                resolution_code="refunded",
                root_cause="carrier",
            )

    async def run_scheduler(self, *, now: datetime) -> None:
        """One pass of case_service's scheduler at `now` (check-backs due: surveys sent)."""
        runtime = self.app.state.runtime
        scheduler = Scheduler(
            runtime.sessions, policy=self.app.state.policy, settings=runtime.settings, wake=lambda: None
        )
        await scheduler.run_due(now=now)

    async def survey_token(self, case_id: str) -> str:
        found = SURVEY_LINK.search((await self.delivered_texts("survey"))[case_id])
        assert found is not None
        return found[1]

    async def reference(self, case_id: str) -> str:
        async with self.app.state.runtime.sessions() as session:
            case = await session.get(Case, case_id)
            assert case is not None
            return case.reference


@asynccontextmanager
async def running_gateway(tmp_path: Path, **changes: Any) -> AsyncIterator[Gateway]:
    """The real gateway over HTTP (SQLite; no broker: what it accepts waits in its outbox, durable)."""
    url = sqlite_url(tmp_path, "gateway")
    await asyncio.to_thread(upgrade, Path(services.gateway.__file__).parent, url)
    settings = GatewaySettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=tmp_path,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        api_key_hashes=hash_api_key(API_KEY),
        token_signing_key=SIGNING_KEY,
        attachment_link_key=LINK_KEY,
        **changes,
    )
    app = create_gateway(settings)
    app.state.runtime.consumer = None
    async with served_over_http(app) as base_url:
        yield Gateway(base_url, url)


@asynccontextmanager
async def running_cases(tmp_path: Path, *, gateway: Gateway | None = None, **changes: Any) -> AsyncIterator[Cases]:
    """case_service over HTTP (SQLite, no consumer, no scheduler): it takes the console's tokens and API key, and
    signs download links to the files `gateway` stores."""
    url = sqlite_url(tmp_path, "case_service")
    settings = CaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=tmp_path,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        api_key_hashes=hash_api_key(API_KEY),
        token_signing_key=SecretStr(SIGNING_KEY),
        customer_pages_url=BASE_URL,
        attachment_link_key=SecretStr(LINK_KEY),
        attachment_stores=f"gateway={gateway.url}" if gateway is not None else "",
        **changes,
    )
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(CaseBase.metadata.create_all)
    await engine.dispose()
    app = create_case_service(settings, consume_events=False, schedule=False)
    async with served_over_http(app) as base_url:
        yield Cases(base_url, app, CaseHandlers(settings, app.state.policy))


@asynccontextmanager
async def running_public_console(
    database_url: str, tmp_path: Path, *, gateway: Gateway, cases: Cases, **changes: Any
) -> AsyncIterator[Console]:
    settings = console_settings(
        database_url,
        tmp_path,
        api_key=API_KEY,
        gateway_url=gateway.url,
        case_service_url=cases.url,
        form_key=FORM_KEY,
        **changes,
    )
    async with running_console(settings) as console:
        yield console


def browser(console: Console, headers: dict[str, str] = VIETNAMESE) -> httpx.AsyncClient:
    """A new browser on the console (its own cookies), in the language `headers` ask for."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=console.app), base_url=BASE_URL, headers=headers)


def forms(console: Console) -> FormTokens:
    """The console's own form tokens (its key is the test's): to make a form that was shown a while ago."""
    return console.app.state.public.forms  # type: ignore[no-any-return]


def shown_ago(console: Console, purpose: str, **ago: float) -> str:
    """The token of a form of `purpose` the console showed that long ago (a person takes a while to fill it in)."""
    return forms(console).issue(purpose, now=datetime.now(UTC) - timedelta(**ago))
