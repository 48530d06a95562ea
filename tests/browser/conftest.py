"""Fixtures of the browser tests: the platform started as `make run` starts it (once per session), headless Chromium
(Debian's /usr/bin/chromium, driven by Playwright, which downloads no browser of its own), and fresh browser
contexts, one per person in a test.

Every test here runs on the session's event loop (the platform and the browser live as long as the session) and is
marked `browser`. They run in `make test`; without /usr/bin/chromium they are skipped, except in CI (CI=true), where
they fail: .ci/run installs Chromium.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, async_playwright, expect

from tests.browser.support import Platform
from tests.e2e.launcher import Launchers
from tests.support.broker import free_port
from tests.support.smtp_sink import running_smtp_sink

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Everything `make run` starts.
SERVICES = ["gateway", "ingest_email", "ingest_sms", "ingest_social", "case_service", "router_service", "console"]
STEP_TIMEOUT_MS = 15_000
EXPECTED_STATUS_ERROR = "Failed to load resource: the server responded with a status of"

NewBrowser = Callable[..., Awaitable[BrowserContext]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if pytest_asyncio.is_async_test(item):
                item.add_marker(session_loop, append=False)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "") in {"1", "true", "yes"}:
        pytest.fail(f"{CHROMIUM} is required in CI (.ci/run installs the chromium package)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    """`python -m services run` with a fresh DATA_DIR and free ports, its outbound mail going to a local relay (an
    aiosmtpd sink); yields where the console is and how to sign in."""
    _require_chromium()
    launchers = Launchers(tmp_path_factory.mktemp("platform"))
    try:
        async with running_smtp_sink() as relay:
            launcher = await launchers.start(
                services=SERVICES,
                INGEST_EMAIL_SMTP_PORT=str(free_port()),
                INGEST_EMAIL_RELAY_HOST="127.0.0.1",
                INGEST_EMAIL_RELAY_PORT=str(relay.port),
            )
            await launcher.wait_ready(SERVICES, within=300)
            password = (launcher.data_dir / "console-admin.password").read_text().strip()
            yield Platform(
                console_url=launcher.url("console"),
                admin_password=password,
                admin_key=launcher.admin_key(),
                launcher=launcher,
                mail_relay=relay,
            )
    finally:
        await launchers.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    _require_chromium()
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def new_browser(chromium: Browser, platform: Platform) -> AsyncIterator[NewBrowser]:
    """Opens a fresh browser (its own cookies) on the console per call; every page's console errors (a script that
    failed, a Content-Security-Policy violation) fail the test."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # An error page (403, 429) is logged as a failed load: it is what those tests ask for.
        if message.type == "error" and not message.text.startswith(EXPECTED_STATUS_ERROR):
            problems.append(f"{message.text} ({message.location.get('url', '')})")

    async def open_browser(*, locale: str = "vi-VN", phone: bool = False) -> BrowserContext:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
        context = await chromium.new_context(base_url=platform.console_url, locale=locale, viewport=viewport)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.on("page", lambda page: page.on("console", on_console))
        contexts.append(context)
        return context

    yield open_browser
    for context in contexts:
        await context.close()
    assert problems == [], "errors in the browser's console"


@pytest_asyncio.fixture(loop_scope="session")
async def browser(new_browser: NewBrowser) -> BrowserContext:
    """One person's fresh browser on the console."""
    return await new_browser()
