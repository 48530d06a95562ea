"""Every page, for every role: served with the security headers, no inline script or style anywhere, the menu that
role sees, and an HTML error page (never JSON, never a 500 text) for a page that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.integration.console.support import PACKAGE_DIR, Console, create, generated_password, sign_in

PAGES = [
    "/login",
    "/floor",
    "/desk",
    "/customers",
    "/reports",
    "/deadletters",
    "/agents",
    "/users",
    "/users/new",
    "/account",
]
MENU = {
    "admin": ["/floor", "/customers", "/reports", "/deadletters", "/agents", "/users"],
    "supervisor": ["/floor", "/customers", "/reports", "/deadletters", "/agents"],
    "agent": ["/desk", "/customers"],
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style|\sstyle\s*=", re.I)


def assert_secure(answer: httpx.Response) -> None:
    csp = answer.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"


def menu_of(page: str) -> list[str]:
    nav = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    for path in Path(PACKAGE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert not EVENT_HANDLER.search(text), path
        assert not STYLE.search(text), path


async def test_every_page_of_every_role_is_served_securely_with_its_menu(console: Console) -> None:
    async with console.client() as admin, console.client() as supervisor, console.client() as agent:
        await sign_in(admin, "admin", console.admin_password())
        for username, role, agent_id, browser in (
            ("hoa", "supervisor", "", supervisor),
            ("lan", "agent", "a-1", agent),
        ):
            password = generated_password(await create(admin, username=username, role=role, agent_id=agent_id))
            await sign_in(browser, username, password)
        for role, browser in (("admin", admin), ("supervisor", supervisor), ("agent", agent)):
            for path in PAGES:
                answer = await browser.get(path)
                assert_secure(answer)
                assert answer.status_code in (200, 303, 403), (role, path, answer.status_code)
                if answer.status_code == 200:
                    assert answer.headers["cache-control"] == "no-store"
                    assert not INLINE_SCRIPT.search(answer.text)
                    assert menu_of(answer.text) == MENU[role], (role, path)
            assert (await browser.get("/users")).status_code == (200 if role == "admin" else 403)


async def test_static_files_are_served_under_the_same_policy(console: Console) -> None:
    async with console.client() as browser:
        page = (await browser.get("/login")).text
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
            answer = await browser.get(asset)
            assert answer.status_code == 200, asset
            assert_secure(answer)


async def test_an_unknown_page_is_an_error_page_in_the_readers_language(console: Console) -> None:
    async with console.client() as browser:
        answer = await browser.get("/no/such/page", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "This page does not exist." in answer.text
        assert_secure(answer)
        script = await browser.get("/no/such/page", headers={"Accept": "application/json"})
        assert script.status_code == 404 and script.headers["content-type"].startswith("application/problem+json")
