"""A supervisor on the floor in a real browser, as they would work: the queue depth rises live when a case arrives
that nobody can take, the routing explanation says why and who would get it now, an agent made available takes it,
a burst of complaints about one category from different customers raises a recurring-problem alert that stays until
the supervisor acknowledges it, and a dead letter is inspected and replayed. The other screens (reports with their
CSV, a customer's 360 view) are opened on the way; each main screen is saved under docs/screenshots."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from playwright.async_api import Page, expect

from shared import topics
from shared.bus import KafkaBus
from tests.browser.conftest import NewBrowser
from tests.browser.support import Platform, create_user, screenshot, sign_in
from tests.support.polling import eventually

RECURRING_CUSTOMERS = 5  # CASE_SERVICE_RECURRING_MIN_CUSTOMERS of the platform `make run` starts


@asynccontextmanager
async def admin_api(platform: Platform, service: str) -> AsyncIterator[httpx.AsyncClient]:
    """A service's API with the admin key: what an integrator (or the test setting the scene) uses."""
    headers = {"Authorization": f"Bearer {platform.admin_key}"}
    async with httpx.AsyncClient(base_url=platform.url(service), headers=headers, timeout=30, trust_env=False) as c:
        yield c


async def everyone_offline(platform: Platform) -> None:
    """The agents of earlier tests take nothing of this one."""
    async with admin_api(platform, "router_service") as router:
        for agent in (await router.get("/v1/agents")).json()["items"]:
            if agent["presence"] != "offline":
                answer = await router.put(f"/v1/agents/{agent['id']}/presence", json={"presence": "offline"})
                assert answer.status_code == 200, answer.text


async def complaint(platform: Platform, **fields: Any) -> None:
    """A complaint from an integrator, as the gateway's `POST /v1/messages` takes it."""
    async with admin_api(platform, "gateway") as gateway:
        answer = await gateway.post("/v1/messages", json=fields, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 202, answer.text


async def depth(page: Page, skill: str, priority: str) -> int:
    """The queue depth the floor shows for a skill and priority (no row: nothing waits)."""
    cell = page.locator(f"tr[data-queue-skill='{skill}'][data-queue-priority='{priority}'] .queue-depth")
    return int(await cell.inner_text()) if await cell.count() else 0


async def test_a_supervisor_watches_the_floor_explains_routing_acknowledges_an_alert_and_replays_a_dead_letter(
    new_browser: NewBrowser, platform: Platform
) -> None:
    run = uuid.uuid4().hex[:6]
    await everyone_offline(platform)
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    password = await create_user(admin, username=f"giamsat-{run}", display_name="Võ Thị Hạnh", role="supervisor")
    page = await (await new_browser()).new_page()
    await sign_in(page, f"giamsat-{run}", password)
    await expect(page.locator("h1")).to_have_text("Sàn giám sát")

    # An agent for delivery delays, created on the agents screen; offline for now.
    agent_id = f"an-{run}"
    await page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Nhân viên").click()
    await page.locator("#new-agent").click()
    await page.locator("#agent_id").fill(agent_id)
    await page.locator("#name").fill("Đỗ Văn An")
    await page.locator("#team").fill("Giao vận")
    await page.locator("#presence").select_option("offline")
    await page.get_by_label("giao hàng chậm").select_option("3")
    await page.locator("#max_total").fill("2")
    await page.locator("#save-agent").click()
    await expect(page.locator("#agent-saved")).to_have_text(f"Đã lưu nhân viên {agent_id}.")
    await expect(page.locator(f"tr[data-agent-id='{agent_id}']")).to_contain_text("giao hàng chậm 3")

    # The queue depth rises, without reloading, when a case arrives that nobody can take (everyone is offline).
    await page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Sàn giám sát").click()
    await expect(page.locator("#floor-status")).to_have_text("Trực tiếp")
    before = await depth(page, "delivery_delay", "normal")
    subject = f"Giao hàng chậm, đơn {run}"
    await complaint(
        platform,
        channel="web",
        sender_address=f"tanaka-{run}@example.com",
        sender_name="Tanaka",
        subject=subject,
        text="Đơn hàng của tôi giao trễ một tuần rồi.",
        language="vi",
    )
    row = page.locator("tr[data-queue-skill='delivery_delay'][data-queue-priority='normal']")
    await expect(row.locator(".queue-depth")).to_have_text(str(before + 1))
    await expect(row).to_contain_text("đã chờ")

    # The number opens the cases behind it; the case opens its routing explanation.
    await row.locator(".queue-depth").click()
    await expect(page.locator("h1")).to_have_text("Đang chờ kỹ năng giao hàng chậm, mức bình thường")
    await page.locator("tr", has_text=subject).get_by_role("link").click()
    await expect(page.locator("h1")).to_contain_text("Phân công ca C-")
    decision = page.locator("li.decision[data-trigger='case_opened']")
    await expect(decision).to_contain_text("Ca mới")
    await expect(decision).to_contain_text("vào hàng đợi: không ai đủ điều kiện còn chỗ")
    await expect(decision.locator(f"tr[data-candidate='{agent_id}']")).to_contain_text("không sẵn sàng")
    await page.locator("#dry-run").click()
    await expect(page.locator("#dry-run-result")).to_contain_text("Nếu phân công lúc này: không ai nhận được")
    await screenshot(page, "floor-routing")

    # The supervisor makes the agent available: the queue drains to them, live on the floor.
    await page.goto(f"/agents/{agent_id}")
    await page.locator("#presence").select_option("available")
    await page.locator("#save-agent").click()
    await expect(page.locator("#agent-saved")).to_be_visible()
    await page.goto("/floor")
    agent_row = page.locator(f"tr[data-agent-id='{agent_id}']")
    await expect(agent_row).to_contain_text("sẵn sàng")
    await expect(agent_row.locator("td.num a")).not_to_have_text("0")

    async def drained() -> bool:
        return await depth(page, "delivery_delay", "normal") <= before

    await eventually(drained, what="the queue to drain to the agent made available")

    # A burst of complaints about one category from different customers raises an alert, shown live.
    names = [f"Khách {run} số {n}" for n in range(1, RECURRING_CUSTOMERS + 1)]
    for index, name in enumerate(names):
        await complaint(
            platform,
            channel="web",
            sender_address=f"hang-gia-{run}-{index}@example.com",
            sender_name=name,
            subject="Hàng giả",
            text="Tôi nhận được hàng giả, chất lượng kém.",
            language="vi",
        )
    alert = page.locator("[data-floor-section='alerts'] li[data-alert-value='product_quality']")
    await expect(alert).to_contain_text("Danh mục tăng đột biến: chất lượng sản phẩm")
    await screenshot(page, "floor")
    phone = await (await new_browser(phone=True)).new_page()
    await sign_in(phone, f"giamsat-{run}", password)
    await expect(phone.locator("li[data-alert-value='product_quality']")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    await screenshot(phone, "floor-phone")
    await alert.get_by_role("link", name="Khách hàng và các ca").click()
    for name in names:
        await expect(page.locator(".customer-chips")).to_contain_text(name)
    await page.get_by_role("button", name="Xác nhận đã biết").click()
    await expect(page.locator("#alert-acknowledged")).to_have_text("Đã xác nhận cảnh báo; cảnh báo đã rời khỏi sàn.")
    await expect(page.locator("li[data-alert-value='product_quality']")).to_have_count(0)

    # One of those customers, seen whole.
    await page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Khách hàng").click()
    await page.locator("#customer-q").fill(names[0])
    await page.get_by_role("button", name="Tìm").click()
    await page.get_by_role("link", name=names[0], exact=True).click()
    await expect(page.locator("h1")).to_have_text(names[0])
    await expect(page.locator(".history")).to_contain_text("Tôi nhận được hàng giả, chất lượng kém.")
    await screenshot(page, "customers")

    # Reports over the default period, and the CSV of the cases behind them.
    await page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Báo cáo").click()
    await expect(page.locator("[data-figure='total']")).to_contain_text("ca được mở trong khoảng thời gian này")
    await expect(page.get_by_role("img", name="Số ca theo ngày")).to_be_visible()
    async with page.expect_download() as download_info:
        await page.locator("#csv-export").click()
    download = await download_info.value
    exported = (await download.path()).read_text()
    assert exported.splitlines()[0].startswith("case_id,reference,opened_at,channel,category")
    assert len(exported.splitlines()) >= RECURRING_CUSTOMERS + 2
    await screenshot(page, "reports")

    # A record nobody can read lands in the dead letters; the supervisor inspects it and replays it.
    key = f"floor-{run}"
    bus = KafkaBus(f"127.0.0.1:{platform.launcher.broker_port}", client_id="floor-test")
    await bus.start()
    try:
        value = json.dumps({"hello": "not a CloudEvent", "run": run}).encode()
        await bus.publish_raw(topics.COMPLAINTS_INBOUND, value=value, key=key.encode())
    finally:
        await bus.stop()
    await page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Thư lỗi").click()
    letter_row = page.locator("#deadletters tr", has_text=key)

    async def listed() -> bool:
        if await letter_row.count():
            return True
        await page.reload()
        return False

    await eventually(listed, within=60, what="the dead letter in the list")
    await expect(letter_row).to_contain_text("complaints.inbound.v1")
    await expect(letter_row).to_contain_text("chưa")
    await letter_row.get_by_role("link").click()
    letter_id = page.url.rsplit("/", 1)[1]
    await expect(page.locator("#letter-value")).to_contain_text('"run": "' + run + '"')
    await expect(page.locator("#letter-reason")).to_contain_text("not a CloudEvents JSON envelope")
    await page.locator("#replay").click()
    await expect(page.locator("#replay-done")).to_contain_text("Đã gửi lại vào complaints.inbound.v1")
    await expect(page.locator("#letter-replays")).to_contain_text("1 lần")
    await page.get_by_role("link", name="Quay lại danh sách thư lỗi").click()
    await expect(page.locator(f"tr[data-letter-id='{letter_id}']")).to_contain_text("1 lần")

    async def read_again() -> bool:  # the consumer read the replayed record, and could not process it this time either
        if await letter_row.count() >= 2:
            return True
        await page.reload()
        return False

    await eventually(read_again, within=60, what="the replayed record read again by its consumer")
    await screenshot(page, "deadletters")
