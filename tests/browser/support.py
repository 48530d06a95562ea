"""What the browser tests share: the running platform, a person's steps in the console, and screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.launcher import Launcher
from tests.support.smtp_sink import SmtpSink

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class Platform:
    """The platform started as `make run` starts it, for the whole test session."""

    console_url: str
    admin_password: str
    admin_key: str
    launcher: Launcher
    mail_relay: SmtpSink | None = None  # where the platform's outbound mail goes (email replies get "sent")

    def url(self, service: str) -> str:
        return self.launcher.url(service)


async def screenshot(page: Page, name: str) -> Path:
    """Save the page as docs/screenshots/<name>.png (shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


async def sign_in(page: Page, username: str, password: str) -> None:
    """Open the login page and sign in as a person would: type, then press the button."""
    await page.goto("/login")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(password)
    await page.locator("form.stacked button[type=submit]").click()
    await page.wait_for_load_state()


async def sign_out(page: Page) -> None:
    await page.locator("form[action='/logout'] button").click()
    await expect(page.locator("#username")).to_be_visible()


async def create_user(
    page: Page, *, username: str, display_name: str, role: str, agent_id: str = "", team: str = ""
) -> str:
    """As a signed-in admin: create the user on the Users page; the generated password it shows once."""
    await page.goto("/users")
    await page.locator("a[href='/users/new']").click()
    await page.locator("#username").fill(username)
    await page.locator("#display_name").fill(display_name)
    await page.locator("#role").select_option(role)
    if agent_id:
        await page.locator("#agent_id").fill(agent_id)
    if team:
        await page.locator("#team").fill(team)
    await page.locator("form[action='/users'] button[type=submit]").click()
    shown = page.locator("#generated-password")
    await expect(shown).to_be_visible()
    return (await shown.inner_text()).strip()
