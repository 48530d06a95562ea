"""Helpers of the console tests: the app with its lifespan behind an httpx client that keeps cookies like a
browser, the forms' CSRF tokens read from the pages, and apps served over real HTTP (streams and service calls)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

import services.console
from services.console.app import create_app
from services.console.settings import ConsoleSettings
from tests.support.polling import eventually

PACKAGE_DIR = Path(services.console.__file__).parent
BASE_URL = "http://console.test"
HTML = {"Accept": "text/html"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
GENERATED = re.compile(r'<output id="generated-password"[^>]*>([^<]+)</output>')
# The admin key the gateway of these tests accepts, and the key its tokens are signed with.
API_KEY = "console-test-admin-key-0123456789abcdefXYZ"
SIGNING_KEY = "console-test-signing-key-0123456789abcdef"


def console_settings(database_url: str, data_dir: Path, **changes: Any) -> ConsoleSettings:
    return ConsoleSettings(_env_file=None, database_url=database_url, data_dir=data_dir, **changes)  # type: ignore[call-arg]


@dataclass
class Console:
    app: FastAPI
    data_dir: Path

    def client(self) -> httpx.AsyncClient:
        """A new browser: its own cookies."""
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=HTML)

    def admin_password(self) -> str:
        return (self.data_dir / "console-admin.password").read_text().strip()


@asynccontextmanager
async def running_console(settings: ConsoleSettings) -> AsyncIterator[Console]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield Console(app, settings.data_dir)


def csrf_token(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF token on the page:\n{page.text[:2000]}"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Open the login page and send its form, as a person would."""
    page = await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)}
    )


async def form_token(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token on the page at `path` (the session's)."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_token(page)


async def create(browser: httpx.AsyncClient, **fields: str) -> httpx.Response:
    data = {"display_name": "Nguyễn Văn An", "role": "agent", "language": "vi", "team": "", "agent_id": ""}
    data.update(fields)
    data["csrf_token"] = await form_token(browser, "/users/new")
    return await browser.post("/users", data=data)


def generated_password(page: httpx.Response) -> str:
    found = GENERATED.search(page.text)
    assert found, page.text
    return found.group(1)


@asynccontextmanager
async def served_over_http(app: FastAPI, *, lifespan: str = "on") -> AsyncIterator[str]:
    """`app` behind a real HTTP server on a free port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan=lifespan, log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()
        return server.started

    await eventually(started, what="the HTTP server to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
