"""Users, as an admin manages them: create (the password shown once), disable (signed out at once), enable, reset;
usernames unique whatever their case; an agent cannot open the page."""

from __future__ import annotations

import re

import httpx

from tests.integration.console.support import Console, create, form_token, generated_password, sign_in


def user_id(page: httpx.Response, username: str) -> str:
    found = re.search(rf'data-username="{re.escape(username)}".*?action="/users/(\d+)/', page.text, re.S)
    assert found, page.text
    return found.group(1)


async def test_an_admin_creates_an_agent_who_then_signs_in_at_their_desk(console: Console) -> None:
    async with console.client() as admin, console.client() as agent:
        await sign_in(admin, "admin", console.admin_password())
        created = await create(admin, username="an.nguyen", agent_id="agent-an", team="Đà Nẵng")
        assert created.status_code == 201
        assert "Đã tạo người dùng an.nguyen." in created.text
        password = generated_password(created)
        listed = (await admin.get("/users")).text
        assert "an.nguyen" in listed and "agent-an" in listed and "Đà Nẵng" in listed
        assert password not in listed, "the password is shown once, on the page that made it"

        landed = await sign_in(agent, "An.Nguyen", password)
        assert landed.status_code == 303 and landed.headers["location"] == "/desk"
        desk = await agent.get("/desk")
        assert "Bạn làm việc với mã nhân viên agent-an." in desk.text
        assert 'href="/users"' not in desk.text, "the menu shows no Users entry to an agent"
        assert (await agent.get("/users")).status_code == 403
        assert (await agent.get("/floor")).status_code == 403
        assert (await agent.get("/")).headers["location"] == "/desk"


async def test_a_username_is_taken_whatever_its_case_and_fields_are_checked(console: Console) -> None:
    async with console.client() as admin:
        await sign_in(admin, "admin", console.admin_password())
        assert (await create(admin, username="binh", role="supervisor")).status_code == 201
        taken = await create(admin, username="BINH", role="supervisor")
        assert taken.status_code == 400 and "Tên đăng nhập này đã được dùng." in taken.text
        no_agent_id = await create(admin, username="chi", role="agent")
        assert no_agent_id.status_code == 400 and "Nhân viên xử lý cần có mã nhân viên phân công." in no_agent_id.text
        assert 'value="chi"' in no_agent_id.text, "what was typed is kept"
        bad_role = await create(admin, username="dung", role="root")
        assert bad_role.status_code == 400 and "Hãy chọn vai trò." in bad_role.text


async def test_a_disabled_user_is_signed_out_at_once_and_can_come_back(console: Console) -> None:
    async with console.client() as admin, console.client() as agent:
        await sign_in(admin, "admin", console.admin_password())
        password = generated_password(await create(admin, username="em", agent_id="agent-em"))
        await sign_in(agent, "em", password)
        assert (await agent.get("/desk")).status_code == 200

        em = user_id(await admin.get("/users"), "em")
        token = await form_token(admin, "/users")
        disabled = await admin.post(f"/users/{em}/disable", data={"csrf_token": token})
        assert disabled.status_code == 200 and "Đã khoá em và đăng xuất mọi phiên." in disabled.text
        assert (await agent.get("/desk")).status_code == 303, "the open session ended"
        assert (await sign_in(agent, "em", password)).status_code == 401, "the same answer as a wrong password"

        enabled = await admin.post(f"/users/{em}/enable", data={"csrf_token": token})
        assert "em có thể đăng nhập lại." in enabled.text
        assert (await sign_in(agent, "em", password)).status_code == 303


async def test_a_reset_shows_a_new_password_once_and_the_old_one_stops_working(console: Console) -> None:
    async with console.client() as admin, console.client() as agent:
        await sign_in(admin, "admin", console.admin_password())
        old = generated_password(await create(admin, username="giang", agent_id="agent-giang"))
        await sign_in(agent, "giang", old)
        giang = user_id(await admin.get("/users"), "giang")
        reset = await admin.post(
            f"/users/{giang}/reset-password", data={"csrf_token": await form_token(admin, "/users")}
        )
        assert "Đã đặt lại mật khẩu của giang" in reset.text
        new = generated_password(reset)
        assert new != old
        assert (await agent.get("/desk")).status_code == 303, "signed out everywhere"
        assert (await sign_in(agent, "giang", old)).status_code == 401
        assert (await sign_in(agent, "giang", new)).status_code == 303


async def test_an_admin_cannot_lock_themselves_out(console: Console) -> None:
    async with console.client() as admin:
        await sign_in(admin, "admin", console.admin_password())
        me = user_id(await admin.get("/users"), "admin")
        refused = await admin.post(f"/users/{me}/disable", data={"csrf_token": await form_token(admin, "/users")})
        assert refused.status_code == 409 and "Bạn không thể tự khoá tài khoản của mình." in refused.text
        assert (await admin.get("/users")).status_code == 200
        missing = await admin.post("/users/99999/disable", data={"csrf_token": await form_token(admin, "/users")})
        assert missing.status_code == 404


async def test_customer_like_text_in_a_user_is_shown_as_text(console: Console) -> None:
    async with console.client() as admin:
        await sign_in(admin, "admin", console.admin_password())
        payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
        assert (
            await create(admin, username="hoa", display_name=payload, team=payload, agent_id="a-1")
        ).status_code == 201
        page = (await admin.get("/users")).text
        assert payload not in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page


async def test_a_user_changes_their_password_and_their_other_sessions_end(console: Console) -> None:
    async with console.client() as here, console.client() as elsewhere:
        old = console.admin_password()
        await sign_in(here, "admin", old)
        await sign_in(elsewhere, "admin", old)
        token = await form_token(here, "/account")
        mismatch = await here.post(
            "/account/password", data={"csrf_token": token, "current": old, "new": "a" * 12, "confirm": "b" * 12}
        )
        assert mismatch.status_code == 400 and "Hai mật khẩu mới không khớp nhau." in mismatch.text
        new = "Một mật khẩu mới dài"
        changed = await here.post(
            "/account/password", data={"csrf_token": token, "current": old, "new": new, "confirm": new}
        )
        assert changed.status_code == 200 and "Đã đổi mật khẩu" in changed.text
        assert (await here.get("/account")).status_code == 200, "this browser got a new session"
        assert (await elsewhere.get("/account")).status_code == 303, "the other one was signed out"
        assert (await sign_in(elsewhere, "admin", old)).status_code == 401
        assert (await sign_in(elsewhere, "admin", new)).status_code == 303
