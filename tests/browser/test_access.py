"""Signing in and out of the console in a real browser, as the people who use it would: the first admin, a wrong
password, throttling, a forged form, signing out, and an admin creating an agent who then works at their desk."""

from __future__ import annotations

from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import NewBrowser
from tests.browser.support import Platform, create_user, screenshot, sign_in, sign_out


async def test_the_admin_signs_in_with_the_password_of_the_first_start(
    browser: BrowserContext, platform: Platform
) -> None:
    ready_table = platform.launcher.output()
    password_file = platform.launcher.data_dir / "console-admin.password"
    assert f"{platform.console_url} (log in as admin, password in {password_file})" in ready_table
    page = await browser.new_page()
    await page.goto("/")
    await expect(page).to_have_url(f"{platform.console_url}/login")
    await expect(page.locator("h1")).to_have_text("Đăng nhập")
    await screenshot(page, "login")

    await sign_in(page, "admin", platform.admin_password)
    await expect(page).to_have_url(f"{platform.console_url}/floor")
    await expect(page.locator("h1")).to_have_text("Sàn giám sát")
    nav = page.get_by_role("navigation", name="Menu chính")
    for entry in ("Sàn giám sát", "Khách hàng", "Báo cáo", "Thư lỗi", "Người dùng"):
        await expect(nav.get_by_role("link", name=entry)).to_be_visible()
    await expect(nav.get_by_role("link", name="Bàn làm việc")).to_have_count(0)
    await screenshot(page, "floor")


async def test_a_wrong_password_and_an_unknown_user_look_the_same(browser: BrowserContext) -> None:
    page = await browser.new_page()
    await sign_in(page, "admin", "not-the-password")
    wrong = await page.locator("main").inner_text()
    await sign_in(page, "no-such-user", "not-the-password")
    unknown = await page.locator("main").inner_text()
    assert wrong == unknown
    await expect(page.locator("#login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")


async def test_repeated_failures_lock_the_account_for_a_while(new_browser: NewBrowser, platform: Platform) -> None:
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    password = await create_user(admin, username="thu", display_name="Trần Thu", role="supervisor")

    guesser = await (await new_browser()).new_page()
    for _ in range(5):
        await sign_in(guesser, "thu", "guess-again")
        await expect(guesser.locator("#login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    await sign_in(guesser, "thu", password)
    await expect(guesser.locator("#login-error")).to_have_text("Quá nhiều lần thử. Hãy thử lại sau 15 phút.")
    await expect(guesser).to_have_url(f"{platform.console_url}/login")


async def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(
    browser: BrowserContext, platform: Platform
) -> None:
    page = await browser.new_page()
    await sign_in(page, "admin", platform.admin_password)
    # What a forged form or a script on another site would send with the admin's cookie.
    user = {"username": "mallory", "display_name": "Mallory", "role": "admin", "language": "en"}
    for token in ({}, {"csrf_token": "forged-token"}):
        answer = await browser.request.post("/users", form={**user, **token}, headers={"Accept": "text/html"})
        assert answer.status == 403
        assert "Biểu mẫu đã hết hạn hoặc không đến từ bảng điều khiển." in await answer.text()
        language = await browser.request.post("/account/language", form={"language": "en", **token})
        assert language.status == 403
    await page.goto("/users")
    await expect(page.locator("h1")).to_have_text("Người dùng")  # still in Vietnamese
    await expect(page.locator("tr[data-username='mallory']")).to_have_count(0)


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    new_browser: NewBrowser, platform: Platform
) -> None:
    first = await new_browser()
    page = await first.new_page()
    await sign_in(page, "admin", platform.admin_password)
    cookies = await first.cookies()
    assert [cookie["httpOnly"] for cookie in cookies if cookie["name"] == "console_session"] == [True]
    await sign_out(page)
    await expect(page.locator("[role=status]")).to_have_text("Bạn đã đăng xuất.")

    copied = await new_browser()
    await copied.add_cookies(cookies)
    stolen = await copied.new_page()
    await stolen.goto("/users")
    await expect(stolen).to_have_url(f"{platform.console_url}/login?next=%2Fusers")
    await expect(stolen.locator("#username")).to_be_visible()


async def test_an_admin_creates_an_agent_who_lands_on_their_desk_and_cannot_manage_users(
    new_browser: NewBrowser, platform: Platform
) -> None:
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    await admin.goto("/users/new")
    await screenshot(admin, "user-new")
    password = await create_user(
        admin, username="lan", display_name="Phạm Thị Lan", role="agent", agent_id="agent-lan", team="Hà Nội"
    )
    await admin.goto("/users")
    row = admin.locator("tr[data-username='lan']")
    await expect(row).to_contain_text("agent-lan")
    await expect(row).to_contain_text("Đang hoạt động")
    await screenshot(admin, "users")

    agent = await (await new_browser()).new_page()
    await sign_in(agent, "lan", password)
    await expect(agent).to_have_url(f"{platform.console_url}/desk")
    await expect(agent.locator("#acting-as")).to_have_text("Bạn làm việc với mã nhân viên agent-lan.")
    nav = agent.get_by_role("navigation", name="Menu chính")
    await expect(nav.get_by_role("link", name="Người dùng")).to_have_count(0)
    await expect(nav.get_by_role("link", name="Sàn giám sát")).to_have_count(0)
    await screenshot(agent, "desk")

    await agent.goto("/users")
    await expect(agent.locator("[role=alert]")).to_have_text("Bạn không có quyền truy cập trang này.")
    await expect(agent.locator("table")).to_have_count(0)


async def test_the_language_switch_changes_every_string_and_is_remembered(
    new_browser: NewBrowser, platform: Platform
) -> None:
    page = await (await new_browser(locale="en-GB")).new_page()
    await page.goto("/login")
    await expect(page.locator("h1")).to_have_text("Sign in"), "the browser's language before signing in"
    await page.get_by_role("link", name="Tiếng Việt").click()
    await expect(page.locator("h1")).to_have_text("Đăng nhập")

    await sign_in(page, "admin", platform.admin_password)
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("h1")).to_have_text("Floor")
    await page.reload()
    await expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users")).to_be_visible()
    await page.get_by_role("button", name="Tiếng Việt").click()
    await expect(page.locator("h1")).to_have_text("Sàn giám sát")


async def test_the_login_page_works_on_a_phone_and_by_keyboard(new_browser: NewBrowser, platform: Platform) -> None:
    page = await (await new_browser(phone=True)).new_page()
    await page.goto("/login")
    await expect(page.locator("#username")).to_be_focused()
    await page.keyboard.type("admin")
    await page.keyboard.press("Tab")
    await page.keyboard.type(platform.admin_password)
    await screenshot(page, "login-phone")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{platform.console_url}/floor")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing wider than the phone's screen"
