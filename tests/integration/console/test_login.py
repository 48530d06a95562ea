"""Signing in and out: one answer for an unknown user and a wrong password, throttling per account and per
address, a new session id at every sign-in, and a session that ends for good at sign-out."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.console.sessions import COOKIE
from tests.integration.console.support import (
    Console,
    console_settings,
    csrf_token,
    form_token,
    running_console,
    sign_in,
)


def page_text(response: httpx.Response) -> str:
    """The page without its per-browser token."""
    return response.text.replace(csrf_token(response), "TOKEN")


async def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(console: Console) -> None:
    async with console.client() as browser:
        wrong = await sign_in(browser, "admin", "not the password")
        unknown = await sign_in(browser, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert page_text(wrong) == page_text(unknown)
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert COOKIE not in wrong.cookies and COOKIE not in unknown.cookies


async def test_after_five_failures_even_the_right_password_waits(console: Console) -> None:
    async with console.client() as browser:
        for _ in range(5):
            assert (await sign_in(browser, "ADMIN", "guess")).status_code == 401
        throttled = await sign_in(browser, "admin", console.admin_password())
        assert throttled.status_code == 429
        assert "Quá nhiều lần thử. Hãy thử lại sau 15 phút." in throttled.text
        assert COOKIE not in throttled.cookies
        # Another account from the same address is not blocked by this one's failures.
        assert (await sign_in(browser, "someone-else", "guess")).status_code == 401


async def test_many_failures_from_one_address_block_every_account(migrated_url: str, tmp_path: Path) -> None:
    settings = console_settings(migrated_url, tmp_path, login_max_failures_per_address=3)
    async with running_console(settings) as console, console.client() as browser:
        for name in ("a-1", "a-2", "a-3"):
            assert (await sign_in(browser, name, "guess")).status_code == 401
        assert (await sign_in(browser, "admin", console.admin_password())).status_code == 429


async def test_every_sign_in_gets_a_new_session_and_ends_the_browsers_previous_one(console: Console) -> None:
    async with console.client() as browser:
        # Two tabs on the login page; the second signs in again after the first did.
        form = {"username": "admin", "password": console.admin_password()}
        form["csrf_token"] = csrf_token(await browser.get("/login"))
        old_id = (await browser.post("/login", data=form)).cookies[COOKIE]
        new_id = (await browser.post("/login", data=form)).cookies[COOKIE]
        assert new_id != old_id
        assert (await browser.get("/floor")).status_code == 200
    async with console.client() as replayed:
        replayed.cookies.set(COOKIE, old_id)
        answer = await replayed.get("/floor")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_the_session_cookie_is_http_only_and_same_site(console: Console) -> None:
    async with console.client() as browser:
        answer = await sign_in(browser, "admin", console.admin_password())
    cookie = next(value for name, value in answer.headers.multi_items() if name == "set-cookie" and COOKIE in value)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie, "served over plain HTTP here"


async def test_a_cookie_arriving_over_https_is_secure(console: Console) -> None:
    transport = httpx.ASGITransport(app=console.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as browser:
        answer = await sign_in(browser, "admin", console.admin_password())
    cookie = next(value for name, value in answer.headers.multi_items() if name == "set-cookie" and COOKIE in value)
    assert "Secure" in cookie


async def test_signing_out_ends_the_session_for_good(console: Console) -> None:
    async with console.client() as browser:
        await sign_in(browser, "admin", console.admin_password())
        session_id = browser.cookies[COOKIE]
        out = await browser.post("/logout", data={"csrf_token": await form_token(browser, "/floor")})
        assert out.status_code == 303 and out.headers["location"] == "/login?bye=1"
        assert "Bạn đã đăng xuất." in (await browser.get("/login?bye=1")).text
    async with console.client() as replayed:
        replayed.cookies.set(COOKIE, session_id)
        answer = await replayed.get("/users")
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fusers"


async def test_after_signing_in_the_page_asked_for_opens(console: Console) -> None:
    async with console.client() as browser:
        redirected = await browser.get("/users")
        assert redirected.headers["location"] == "/login?next=%2Fusers"
        page = await browser.get(redirected.headers["location"])
        token = csrf_token(page)
        data = {"username": "admin", "password": console.admin_password(), "csrf_token": token, "next": "/users"}
        assert (await browser.post("/login", data=data)).headers["location"] == "/users"
        data["next"] = "https://evil.example/"
        page = await browser.get("/login")  # signed in: sent on, no form
        assert page.status_code == 303


async def test_a_script_gets_a_problem_instead_of_a_redirect(console: Console) -> None:
    async with console.client() as browser:
        answer = await browser.get("/floor", headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
