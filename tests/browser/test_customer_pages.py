"""The customers' own pages in a real browser, against the platform started as `make run` starts it (gateway, email,
case service, console), with a local mail relay standing in for the customer's mailbox: a customer complains in
Vietnamese with a photo and sees the reference; a double submit makes one message; a robot's hidden field and the
rate limit are refused with a reason; the survey link's page takes a low score and the case reopens; the status link
shows the agent's reply and takes the customer's answer into the agent's case; a link for case A never opens B.

The platform runs with the forms' minimum time at 0 (a test fills a form faster than a person; the minimum is
tested in tests/integration/console) and check-backs due at once (the survey follows the resolution).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.conftest import STEP_TIMEOUT_MS, _require_chromium
from tests.browser.support import screenshot
from tests.e2e.launcher import Launcher, Launchers
from tests.support.broker import free_port
from tests.support.polling import eventually
from tests.support.smtp_sink import SmtpSink, running_smtp_sink

SERVICES = ["gateway", "ingest_email", "case_service", "console"]
REFERENCE = re.compile(r"^C-\d{4}-\d{6,}$")
STATUS_LINK = re.compile(r"https?://\S+/status/[A-Za-z0-9_-]{16,}")
SURVEY_LINK = re.compile(r"https?://\S+/survey/[A-Za-z0-9_-]{16,}")
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 512


@dataclass
class CustomerPlatform:
    launcher: Launcher
    mailbox: SmtpSink
    admin_key: str

    @property
    def console_url(self) -> str:
        return self.launcher.url("console")

    async def cases(self, method: str, path: str, **kwargs: Any) -> Any:
        """case_service's API as the admin (what an agent's desk would call)."""
        async with httpx.AsyncClient(base_url=self.launcher.url("case_service"), trust_env=False) as client:
            response = await client.request(
                method, path, headers={"Authorization": f"Bearer {self.admin_key}"}, **kwargs
            )
        assert response.status_code < 300, response.text
        return response.json()

    async def case_of(self, reference: str) -> dict[str, Any]:
        [found] = (await self.cases("GET", "/v1/cases", params={"q": reference}))["items"]
        return dict(await self.cases("GET", f"/v1/cases/{found['id']}"))

    async def mail_to(self, address: str, link: re.Pattern[str]) -> str:
        """The link (status or survey) in the latest mail to `address` that has one, once it arrived."""

        async def arrived() -> str | None:
            for captured in reversed(self.mailbox.messages):
                if address in captured.rcpt_tos:
                    body = captured.message.get_body(("plain",))
                    found = link.search(body.get_content() if body is not None else "")
                    if found:
                        return found[0]
            return None

        return await eventually(arrived, within=30, what=f"a mail with a link to {address}")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def customers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CustomerPlatform]:
    _require_chromium()
    launchers = Launchers(tmp_path_factory.mktemp("customer-pages"))
    async with running_smtp_sink() as mailbox:
        try:
            launcher = await launchers.start(
                services=SERVICES,
                INGEST_EMAIL_SMTP_PORT=str(free_port()),
                INGEST_EMAIL_RELAY_HOST="127.0.0.1",
                INGEST_EMAIL_RELAY_PORT=str(mailbox.port),
                CONSOLE_FORM_MIN_SECONDS="0",
                CONSOLE_COMPLAINTS_PER_ADDRESS="2",
                CASE_SERVICE_FOLLOW_UP_DELAY_HOURS="0",
                CASE_SERVICE_SCHEDULER_INTERVAL_SECONDS="0.5",
            )
            await launcher.wait_ready(SERVICES, within=300)
            yield CustomerPlatform(launcher=launcher, mailbox=mailbox, admin_key=launcher.admin_key())
        finally:
            await launchers.close()


NewPage = Callable[..., Awaitable[Page]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_page(chromium: Browser, customers: CustomerPlatform) -> AsyncIterator[NewPage]:
    """A page in a fresh browser (its own cookies) on the console; an error in the browser's console (a script, a
    Content-Security-Policy violation) fails the test."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "the server responded with a status of" not in message.text:
            problems.append(message.text)

    async def open_page(*, locale: str = "vi-VN", phone: bool = False) -> Page:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
        context = await chromium.new_context(base_url=customers.console_url, locale=locale, viewport=viewport)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        page.on("console", on_console)
        return page

    yield open_page
    for context in contexts:
        await context.close()
    assert problems == [], "errors in the browser's console"


def unique_email() -> str:
    return f"khach-{uuid.uuid4().hex[:8]}@example.com"


async def fill_complaint(page: Page, *, email: str, subject: str, text: str, photo: Path | None = None) -> None:
    await page.goto("/complain")
    await page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Số điện thoại").fill("0912 345 678")
    await page.get_by_label("Tiêu đề").fill(subject)
    await page.get_by_label("Nội dung phản ánh").fill(text)
    await page.get_by_label("Mã đơn hàng hoặc mã tham chiếu").fill("DH-20261202")
    if photo is not None:
        await page.locator("#files").set_input_files(str(photo))


async def complain(page: Page, *, email: str, subject: str = "Giao hàng chậm", text: str = "Đơn hàng trễ.") -> str:
    """Send a complaint from the form as a person would; the case reference the answer page shows."""
    await fill_complaint(page, email=email, subject=subject, text=text)
    await page.get_by_role("button", name="Gửi phản ánh").click()
    reference = page.locator("#case-reference")
    await expect(reference).to_have_text(REFERENCE)
    return (await reference.inner_text()).strip()


async def test_a_customer_complains_in_vietnamese_with_a_photo_and_sees_the_reference(
    new_page: NewPage, customers: CustomerPlatform, tmp_path: Path
) -> None:
    page = await new_page()
    photo = tmp_path / "hop-bi-mop.png"
    photo.write_bytes(PHOTO)
    email = unique_email()
    await fill_complaint(page, email=email, subject="Hộp bị móp", text="Hộp hàng bị móp khi nhận.", photo=photo)
    await expect(page.locator("h1")).to_have_text("Gửi phản ánh, khiếu nại")
    await screenshot(page, "complain")

    await page.get_by_role("button", name="Gửi phản ánh").click()

    await expect(page.locator("h1")).to_have_text("Chúng tôi đã nhận được phản ánh của bạn")
    reference_shown = page.locator("#case-reference")
    await expect(reference_shown).to_have_text(REFERENCE)
    await expect(page.locator("#status-link")).to_have_text("Theo dõi hồ sơ")
    await screenshot(page, "complain-received")
    reference = (await reference_shown.inner_text()).strip()
    case = await customers.case_of(reference)
    [message] = [m for m in case["messages"] if m["direction"] == "inbound"]
    assert (message["channel"], message["sender_address"]) == ("web", email)
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("hop-bi-mop.png", len(PHOTO))]
    status_link = await customers.mail_to(email, STATUS_LINK)
    assert status_link.startswith(customers.console_url), "the acknowledgement links to the status page"

    phone = await new_page(phone=True)
    await phone.goto("/complain")
    await expect(phone.get_by_label("Họ và tên")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    await screenshot(phone, "complain-phone")


async def test_a_double_submit_makes_one_message(new_page: NewPage, customers: CustomerPlatform) -> None:
    page = await new_page()
    email = unique_email()
    await fill_complaint(page, email=email, subject="Gửi hai lần", text="Tôi bấm gửi hai lần liền.")
    token = await page.locator("input[name=form_token]").get_attribute("value")
    await page.get_by_role("button", name="Gửi phản ánh").dblclick()
    reference = page.locator("#case-reference")
    await expect(reference).to_have_text(REFERENCE)
    first = (await reference.inner_text()).strip()
    receipt = page.url
    # The same page sent once more (a browser resending the form): the same answer, nothing new.
    fields = {"name": "Nguyễn Thị Hoa", "email": email, "phone": "0912 345 678", "subject": "Gửi hai lần"}
    fields |= {"text": "Tôi bấm gửi hai lần liền.", "order": "DH-20261202", "form_token": token or ""}
    again = await page.context.request.post("/complain", multipart=fields, max_redirects=0)
    assert again.status == 303 and f"{customers.console_url}{again.headers['location']}" == receipt

    customer = await customers.cases("GET", "/v1/customers", params={"contact": email})
    assert [case["reference"] for case in customer["cases"]] == [first]
    case = await customers.case_of(first)
    assert len([m for m in case["messages"] if m["direction"] == "inbound"]) == 1


async def test_a_robot_and_a_customer_over_the_limit_are_refused_with_a_reason(
    new_page: NewPage, customers: CustomerPlatform
) -> None:
    page = await new_page()
    email = unique_email()
    await fill_complaint(page, email=email, subject="Thư rác", text="Mua ngay!")
    await page.locator("#website").fill("http://spam.example", force=True)  # what only a robot sees
    await page.get_by_role("button", name="Gửi phản ánh").click()
    await expect(page.locator("#form-errors")).to_contain_text("một ô ẩn chỉ máy tự động mới điền đã có nội dung")

    for n in range(2):
        await complain(page, email=email, subject=f"Lần {n + 1}", text=f"Phản ánh lần {n + 1}")
    await fill_complaint(page, email=email, subject="Lần 3", text="Phản ánh lần 3")
    await page.get_by_role("button", name="Gửi phản ánh").click()
    errors = page.locator("#form-errors")
    await expect(errors).to_contain_text("Email hoặc số điện thoại này đã gửi 2 phản ánh trong 60 phút qua")
    await expect(page.get_by_label("Tiêu đề")).to_have_value("Lần 3"), "what the customer typed is kept"
    await screenshot(page, "complain-refused")
    customer = await customers.cases("GET", "/v1/customers", params={"contact": email})
    assert len(customer["cases"]) == 2


async def test_the_survey_page_records_a_low_score_and_the_case_reopens(
    new_page: NewPage, customers: CustomerPlatform
) -> None:
    page = await new_page()
    email = unique_email()
    reference = await complain(page, email=email, subject="Cốc bị vỡ", text="Cốc bị vỡ khi nhận.")
    case = await customers.case_of(reference)
    await customers.cases(
        "POST", f"/v1/cases/{case['id']}/resolve", json={"resolution_code": "refunded", "root_cause": "packing"}
    )
    survey_link = await customers.mail_to(email, SURVEY_LINK)
    assert survey_link.startswith(customers.console_url)

    await page.goto(survey_link)
    await expect(page.locator("legend")).to_contain_text(f"hồ sơ {reference}")
    await page.locator("#score-2").check()
    await page.get_by_label("Bạn muốn góp ý thêm? (không bắt buộc)").fill("Hoàn tiền chậm quá.")
    await screenshot(page, "survey")
    await page.get_by_role("button", name="Gửi đánh giá").click()

    await expect(page.locator("#survey-outcome")).to_have_text(
        f"Cảm ơn bạn đã đánh giá hồ sơ {reference}. Ý kiến của bạn giúp chúng tôi phục vụ tốt hơn."
    )
    after = await customers.case_of(reference)
    assert (after["status"], after["csat"]["score"], after["csat"]["comment"]) == ("open", 2, "Hoàn tiền chậm quá.")
    await page.goto(survey_link)
    await expect(page.locator("#survey-outcome")).to_contain_text("Bạn đã trả lời khảo sát")


async def test_the_status_page_shows_the_reply_and_takes_the_customers_answer_into_the_case(
    new_page: NewPage, customers: CustomerPlatform, tmp_path: Path
) -> None:
    page = await new_page()
    email = unique_email()
    reference = await complain(page, email=email, subject="Thiếu hàng", text="Thiếu một món trong đơn.")
    case = await customers.case_of(reference)
    reply = "Chào chị, chị gửi giúp ảnh hoá đơn để chúng tôi gửi bù nhé."
    await customers.cases("POST", f"/v1/cases/{case['id']}/reply", json={"text": reply, "await_customer": True})
    status_link = await customers.mail_to(email, STATUS_LINK)

    await page.goto(status_link)
    await expect(page.locator("#case-reference")).to_have_text(reference)
    await expect(page.locator("#case-status")).to_have_text("Đang chờ bạn phản hồi")
    await expect(page.locator(".message.from-us").last).to_contain_text(reply)
    answer = "Ảnh hoá đơn đây ạ."
    receipt = tmp_path / "hoa-don.png"
    receipt.write_bytes(PHOTO)
    await page.get_by_label("Tin nhắn của bạn").fill(answer)
    await page.locator("#files").set_input_files(str(receipt))
    await page.get_by_role("button", name="Gửi", exact=True).click()

    await expect(page.locator("#sent-notice")).to_have_text("Tin nhắn của bạn đã được thêm vào hồ sơ.")
    await expect(page.locator(".message.from-customer").last).to_contain_text(answer)
    await expect(page.locator("#case-status")).to_have_text("Đang xử lý")
    await screenshot(page, "status")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="hoa-don.png").click()
    download = await download_info.value
    saved = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert saved == PHOTO, "the customer opens the file they sent"
    after = await customers.case_of(reference)
    [written] = [m for m in after["messages"] if m["text"] == answer]
    assert (written["direction"], written["sender_address"], written["thread_rule"]) == (
        "inbound",
        email,
        "status_link",
    )
    assert [a["filename"] for a in written["attachments"]] == ["hoa-don.png"]


async def test_a_status_link_for_case_a_cannot_open_case_b(new_page: NewPage, customers: CustomerPlatform) -> None:
    page = await new_page(locale="en-GB")
    email_a, email_b = unique_email(), unique_email()
    await page.goto("/complain?lang=vi")
    reference_a = await complain(page, email=email_a, subject="Đơn A", text="Vấn đề của đơn A.")
    reference_b = await complain(page, email=email_b, subject="Đơn B", text="Vấn đề của đơn B.")
    link_a = await customers.mail_to(email_a, STATUS_LINK)
    link_b = await customers.mail_to(email_b, STATUS_LINK)

    await page.goto(link_a)
    await expect(page.locator("#case-reference")).to_have_text(reference_a)
    await expect(page.locator("main")).not_to_contain_text(reference_b)
    await expect(page.locator("main")).not_to_contain_text("Vấn đề của đơn B.")

    token_a, token_b = link_a.rsplit("/", 1)[1], link_b.rsplit("/", 1)[1]
    await page.goto(f"/status/{token_a[:16]}{token_b[16:]}")
    await expect(page.locator("#refusal")).to_have_text(
        "Đường dẫn này không dẫn tới hồ sơ nào. Vui lòng kiểm tra đường dẫn đã được chép đầy đủ."
    )
    await page.goto(link_b)
    form_b = await page.locator("input[name=form_token]").get_attribute("value")
    crossed = await page.context.request.post(link_a, form={"text": "Viết nhầm chỗ", "form_token": form_b or ""})
    assert crossed.status == 400, "B's form is no form of A's page"
    case_a = await customers.case_of(reference_a)
    assert all(m["text"] != "Viết nhầm chỗ" for m in case_a["messages"])
