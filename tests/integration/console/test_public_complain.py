"""The public complaint form against the real gateway and case_service: in the visitor's language, sent once however
often it is submitted, durable before it says "received", with the case reference once the case exists; and every
refusal (a robot's hidden field, too fast, a stale or foreign form, missing details, files, the rate limits, the
gateway away) says why in the customer's language and sends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.console.screens.complain import PURPOSE
from tests.integration.console.public_kit import (
    ENGLISH,
    VIETNAMESE,
    Cases,
    Gateway,
    form_token,
    running_cases,
    running_gateway,
    running_public_console,
    shown_ago,
)
from tests.integration.console.public_kit import browser as new_browser
from tests.integration.console.support import Console
from tests.support.broker import free_port

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
COMPLAINT = {
    "name": "Nguyễn Văn Minh",
    "email": "minh@example.com",
    "phone": "0912 345 678",
    "subject": "Giao hàng chậm",
    "text": "Đơn hàng của tôi đã trễ hai tuần.",
    "order": "DH-12345",
}


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    # A small file limit, so that the gateway's own refusal of a file can be seen too.
    async with running_gateway(tmp_path / "gateway", max_attachment_bytes=4096) as running:
        yield running


@pytest.fixture
async def cases(tmp_path: Path) -> AsyncIterator[Cases]:
    async with running_cases(tmp_path / "cases") as running:
        yield running


@pytest.fixture
async def console(migrated_url: str, tmp_path: Path, gateway: Gateway, cases: Cases) -> AsyncIterator[Console]:
    async with running_public_console(
        migrated_url, tmp_path / "console", gateway=gateway, cases=cases, complaints_per_address=2
    ) as running:
        yield running


async def send(
    client: httpx.AsyncClient, console: Console, fields: dict[str, str], *, token: str | None = None, files: Any = None
) -> httpx.Response:
    """Fill in the form shown a minute ago (unless `token` says otherwise) and send it."""
    data = {**fields, "form_token": token if token is not None else shown_ago(console, PURPOSE, minutes=1)}
    return await client.post("/complain", data=data, files=files)


async def test_a_complaint_is_sent_once_and_answered_with_its_reference(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    browser = new_browser(console)
    page = await browser.get("/complain", headers=VIETNAMESE)
    assert page.status_code == 200 and "Gửi phản ánh, khiếu nại" in page.text
    assert 'lang="vi"' in page.text and "Nhân viên" not in page.text
    assert page.headers["cache-control"] == "no-store" and "content-security-policy" in page.headers
    token = shown_ago(console, PURPOSE, seconds=30)
    files = [("files", ("hoa-don.png", PNG, "image/png"))]

    sent = await send(browser, console, COMPLAINT, token=token, files=files)
    again = await send(browser, console, COMPLAINT, token=token, files=files)  # a double click, the page sent again

    assert sent.status_code == 303, sent.text
    assert again.status_code == 303 and again.headers["location"] == sent.headers["location"]
    [accepted] = await gateway.accepted()
    data = accepted.data
    assert (data["channel"], data["sender"]["address"], data["sender"]["display_name"]) == (
        "web",
        "minh@example.com",
        "Nguyễn Văn Minh",
    )
    assert (data["subject"], data["language"]) == ("Giao hàng chậm", "vi")
    assert data["text"].startswith("Đơn hàng của tôi đã trễ hai tuần.")
    assert "Số điện thoại: 0912 345 678" in data["text"] and "Mã đơn hàng hoặc mã tham chiếu: DH-12345" in data["text"]
    [file] = data["attachments"]
    assert (file["filename"], file["content_type"], file["size"], file["store"]) == (
        "hoa-don.png",
        "image/png",
        len(PNG),
        "gateway",
    )
    assert data["metadata"]["idempotency_key"] == token

    waiting = await browser.get(sent.headers["location"], headers=VIETNAMESE)
    assert waiting.status_code == 200
    assert "Phản ánh của bạn đã được ghi nhận an toàn" in waiting.text
    assert 'id="reference-waiting"' in waiting.text and 'http-equiv="refresh"' in waiting.text

    case_id = await cases.deliver(accepted)  # the broker's part

    answer = await browser.get(sent.headers["location"], headers=VIETNAMESE)
    reference = await cases.reference(case_id)
    assert f'<p class="reference" id="case-reference">{reference}</p>' in answer.text
    assert 'http-equiv="refresh"' not in answer.text
    status_token = await cases.status_token(case_id)
    assert f'href="http://console.test/status/{status_token}"' in answer.text, "the way to follow the case"


async def test_the_page_speaks_the_browsers_language_until_the_visitor_switches(console: Console) -> None:
    browser = new_browser(console)
    assert "Send us a complaint" in (await browser.get("/complain", headers=ENGLISH)).text
    switched = await browser.get("/complain?lang=vi", headers=ENGLISH)
    assert (switched.status_code, switched.headers["location"]) == (303, "/complain")
    assert "Gửi phản ánh, khiếu nại" in (await browser.get("/complain", headers=ENGLISH)).text


async def test_robots_and_hurried_or_foreign_forms_are_refused_with_a_reason(
    console: Console, gateway: Gateway
) -> None:
    browser = new_browser(console, VIETNAMESE)
    robot = await send(browser, console, {**COMPLAINT, "website": "http://spam.example"})
    assert robot.status_code == 400
    assert "một ô ẩn chỉ máy tự động mới điền đã có nội dung" in robot.text

    fresh = form_token(await browser.get("/complain"))
    hurried = await send(browser, console, COMPLAINT, token=fresh)
    assert hurried.status_code == 400 and "chỉ vài giây sau khi mở" in hurried.text
    assert form_token(hurried) == fresh, "the same form may be sent a moment later"
    assert 'value="Nguyễn Văn Minh"' in hurried.text, "what the customer typed is kept"

    for token in (
        shown_ago(console, PURPOSE, hours=13),  # left open overnight
        shown_ago(console, "survey:another-page", minutes=1),  # another form's token
        fresh[:-2] + "xx",  # forged
        "",
    ):
        stale = await send(browser, console, COMPLAINT, token=token)
        assert stale.status_code == 400 and "Biểu mẫu đã quá cũ hoặc không phải của trang này" in stale.text
        assert form_token(stale) != token, "a new form to send"
    assert await gateway.accepted() == []


async def test_missing_details_and_unacceptable_files_are_named(console: Console, gateway: Gateway) -> None:
    browser = new_browser(console, ENGLISH)
    empty = await send(browser, console, {"name": "", "email": "", "phone": "", "subject": "", "text": ""})
    assert empty.status_code == 422
    for sentence in (
        "Please give your name",
        "Please give an email address or a phone number",
        "Please give a subject",
        "Please tell us what happened",
    ):
        assert sentence in empty.text
    wrong = await send(browser, console, {**COMPLAINT, "email": "minh-at-example", "phone": "12"})
    assert (
        "This email address does not look right." in wrong.text
        and "This phone number does not look right." in wrong.text
    )

    program = [("files", ("invoice.pdf.exe", b"MZ\x90\x00", "application/pdf"))]
    disguised = [("files", ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf"))]
    too_many = [("files", (f"photo-{n}.png", PNG, "image/png")) for n in range(6)]
    for files, sentence in [
        (program, "invoice.pdf.exe is not a kind of file we accept"),
        (disguised, "invoice.pdf is not a kind of file we accept"),
        (too_many, "At most 5 files can be sent at once."),
    ]:
        refused = await send(browser, console, COMPLAINT, files=files)
        assert refused.status_code in (400, 422) and sentence in refused.text, sentence
    large = [("files", ("scan.pdf", b"%PDF-1.7\n" + b"0" * 8000, "application/pdf"))]
    by_the_gateway = await send(browser, console, COMPLAINT, files=large)
    assert by_the_gateway.status_code == 422
    assert "A file was refused: scan.pdf: larger than 4096 bytes" in by_the_gateway.text
    assert await gateway.accepted() == []

    hostile = await send(
        browser, console, {**COMPLAINT, "name": '<script>alert("x")</script>', "email": ""}, files=program
    )
    assert "<script>alert" not in hostile.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in hostile.text


async def test_the_rate_limit_per_address_refuses_with_the_wait(console: Console, gateway: Gateway) -> None:
    browser = new_browser(console, VIETNAMESE)
    for n in range(2):
        assert (await send(browser, console, {**COMPLAINT, "text": f"Lần {n}"})).status_code == 303
    other_case = {**COMPLAINT, "email": "MINH@example.com", "phone": "", "text": "Lần ba"}
    limited = await send(browser, console, other_case)
    assert limited.status_code == 429
    assert "Email hoặc số điện thoại này đã gửi 2 phản ánh trong 60 phút qua" in limited.text
    assert "Vui lòng thử lại sau 60 phút" in limited.text
    assert len(await gateway.accepted()) == 2
    someone_else = await send(browser, console, {**COMPLAINT, "email": "lan@example.com", "phone": ""})
    assert someone_else.status_code == 303, "another customer is not held back"


async def test_with_the_gateway_away_nothing_is_received_and_the_form_can_be_sent_again(
    migrated_url: str, tmp_path: Path, cases: Cases
) -> None:
    nowhere = Gateway(url=f"http://127.0.0.1:{free_port()}", database_url="")
    async with running_public_console(migrated_url, tmp_path / "console", gateway=nowhere, cases=cases) as console:
        browser = new_browser(console, ENGLISH)
        token = shown_ago(console, PURPOSE, minutes=1)
        away = await send(browser, console, COMPLAINT, token=token)
    assert away.status_code == 503
    assert "We cannot receive your message right now; nothing was received." in away.text
    assert form_token(away) == token and 'value="Giao hàng chậm"' in away.text
