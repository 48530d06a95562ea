"""CSRF: a state-changing request without the session's token, or with another one, is refused and changes nothing;
the login form needs the token of its pre-session cookie."""

from __future__ import annotations

from sqlalchemy import select

from services.console.models import User
from tests.integration.console.support import Console, csrf_token, form_token, sign_in


async def admin_disabled(console: Console) -> bool:
    async with console.app.state.console.db() as session:
        user = await session.scalar(select(User).where(User.username_key == "admin"))
        assert user is not None
        return user.disabled


async def create_agent(console: Console, browser, username: str) -> None:  # type: ignore[no-untyped-def]
    token = await form_token(browser, "/users/new")
    data = {
        "csrf_token": token,
        "username": username,
        "display_name": "Agent",
        "role": "agent",
        "agent_id": f"agent-{username}",
        "language": "vi",
    }
    assert (await browser.post("/users", data=data)).status_code == 201


async def test_a_post_without_the_token_or_with_another_one_is_refused_and_changes_nothing(console: Console) -> None:
    async with console.client() as browser, console.client() as other:
        await sign_in(browser, "admin", console.admin_password())
        await create_agent(console, browser, "lan")
        await sign_in(other, "admin", console.admin_password())
        others_token = await form_token(other, "/users")
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": others_token}):
            refused = await browser.post("/account/language", data={**data, "language": "en"})
            assert refused.status_code == 403, data
            assert "Biểu mẫu đã hết hạn" in refused.text
            forged_user = await browser.post("/users", data={**data, "username": "mallory", "role": "admin"})
            assert forged_user.status_code == 403
        users = await browser.get("/users")
        assert "mallory" not in users.text and 'lang="vi"' in users.text
        assert not await admin_disabled(console)


async def test_a_script_sends_the_token_in_a_header(console: Console) -> None:
    async with console.client() as browser:
        await sign_in(browser, "admin", console.admin_password())
        token = await form_token(browser, "/account")
        refused = await browser.post("/account/language", headers={"Accept": "application/json"})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        accepted = await browser.post("/account/language", data={"language": "en"}, headers={"X-CSRF-Token": token})
        assert accepted.status_code == 303
        assert 'lang="en"' in (await browser.get("/account")).text


async def test_the_login_form_needs_its_own_token(console: Console) -> None:
    async with console.client() as browser:
        password = console.admin_password()
        without = await browser.post("/login", data={"username": "admin", "password": password})
        assert without.status_code == 403
        page = await browser.get("/login")
        browser.cookies.clear()  # a form posted from elsewhere carries no pre-session cookie
        forged = await browser.post(
            "/login", data={"username": "admin", "password": password, "csrf_token": csrf_token(page)}
        )
        assert forged.status_code == 403
        assert (await sign_in(browser, "admin", password)).status_code == 303


async def test_without_a_session_a_post_is_sent_to_sign_in(console: Console) -> None:
    async with console.client() as browser:
        answer = await browser.post("/users", data={"username": "mallory", "role": "admin"})
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
