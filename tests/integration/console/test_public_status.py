"""The customer's status page against the real gateway and case_service: the case of the link only, its status in
plain words, the messages exchanged (escaped; no note), and a box whose message joins that very case as the
customer's; a revoked, unknown or closed case's link says so."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.console.screens.status import purpose
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


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running_gateway(tmp_path / "gateway") as running:
        yield running


@pytest.fixture
async def cases(tmp_path: Path, gateway: Gateway) -> AsyncIterator[Cases]:
    async with running_cases(tmp_path / "cases", gateway=gateway) as running:
        yield running


@pytest.fixture
async def console(migrated_url: str, tmp_path: Path, gateway: Gateway, cases: Cases) -> AsyncIterator[Console]:
    async with running_public_console(migrated_url, tmp_path / "console", gateway=gateway, cases=cases) as running:
        yield running


async def complaint(browser: httpx.AsyncClient, console: Console, gateway: Gateway, cases: Cases, **fields: str) -> str:
    """A complaint sent from the form and handed on to case_service; the id of its case."""
    data = {
        "name": "Minh",
        "email": "minh@example.com",
        "subject": "Giao hàng chậm",
        "text": "Đơn hàng của tôi đã trễ hai tuần.",
        **fields,
    }
    sent = await browser.post("/complain", data={**data, "form_token": shown_ago(console, "complain", minutes=1)})
    assert sent.status_code == 303, sent.text
    return await cases.deliver((await gateway.accepted())[-1])


async def write(browser: httpx.AsyncClient, console: Console, token: str, text: str, **extra: str) -> httpx.Response:
    form = {"text": text, "form_token": shown_ago(console, purpose(token), seconds=20), **extra}
    return await browser.post(f"/status/{token}", data=form)


async def test_the_page_shows_the_case_and_takes_the_customers_answer_into_it(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    browser = new_browser(console, VIETNAMESE)
    case_id = await complaint(browser, console, gateway, cases, text="Hộp bị móp <b>nặng</b> & ướt")
    await cases.act(case_id, "reply", {"text": "Xin lỗi anh, anh gửi giúp ảnh hộp nhé?", "await_customer": True})
    await cases.act(case_id, "note", {"text": "Internal: carrier DHL lost it"})
    token = await cases.status_token(case_id)
    reference = await cases.reference(case_id)

    page = await browser.get(f"/status/{token}")

    assert page.status_code == 200, page.text
    assert f'<dd id="case-reference">{reference}</dd>' in page.text
    assert "Đang chờ bạn phản hồi" in page.text, "the status in plain words"
    assert "Hộp bị móp &lt;b&gt;nặng&lt;/b&gt; &amp; ướt" in page.text and "<b>nặng</b>" not in page.text
    assert "Xin lỗi anh, anh gửi giúp ảnh hộp nhé?" in page.text
    assert "Internal" not in page.text and "minh@example.com" not in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow" and page.headers["referrer-policy"] == "same-origin"

    form = shown_ago(console, purpose(token), seconds=20)
    sent = await browser.post(f"/status/{token}", data={"text": "Ảnh đây ạ, hộp móp một góc.", "form_token": form})
    again = await browser.post(f"/status/{token}", data={"text": "Ảnh đây ạ, hộp móp một góc.", "form_token": form})
    assert sent.status_code == 303 and again.headers["location"] == sent.headers["location"]
    accepted = await gateway.accepted()
    assert len(accepted) == 2, "the complaint, and the answer once"
    answer = accepted[-1].data
    assert answer["metadata"]["status_link_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in await gateway.raw_outbox(), "the link's token goes no further than the gateway"

    waiting = await browser.get(sent.headers["location"])
    assert "sẽ hiện bên dưới trong giây lát" in waiting.text and 'http-equiv="refresh"' in waiting.text
    assert await cases.deliver(accepted[-1]) == case_id
    shown = await browser.get(sent.headers["location"])
    assert "Tin nhắn của bạn đã được thêm vào hồ sơ." in shown.text
    assert "Ảnh đây ạ, hộp móp một góc." in shown.text and 'http-equiv="refresh"' not in shown.text
    case = await cases.case(case_id)
    assert case["status"] == "open", "the customer's answer takes the case off pending_customer"
    mine = [m for m in case["messages"] if m["text"] == "Ảnh đây ạ, hộp móp một góc."]
    assert [(m["direction"], m["sender_address"]) for m in mine] == [("inbound", "minh@example.com")]


async def test_the_customer_opens_the_files_of_their_case_from_the_page(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    browser = new_browser(console, ENGLISH)
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    sent = await browser.post(
        "/complain",
        data={
            "name": "Minh",
            "email": "minh@example.com",
            "subject": "Broken",
            "text": "See the photo.",
            "form_token": shown_ago(console, "complain", minutes=1),
        },
        files=[("files", ("broken.png", photo, "image/png"))],
    )
    assert sent.status_code == 303, sent.text
    case_id = await cases.deliver((await gateway.accepted())[-1])
    token = await cases.status_token(case_id)
    page = await browser.get(f"/status/{token}")
    [message_id] = [m["id"] for m in (await cases.case(case_id))["messages"] if m["direction"] == "inbound"]
    href = f"/status/{token}/files/{message_id}/0"
    assert f'<a href="{href}" download>broken.png</a>' in page.text

    opened = await browser.get(href)
    assert opened.status_code == 200 and opened.content == photo
    assert opened.headers["content-type"] == "image/png" and opened.headers["x-content-type-options"] == "nosniff"
    part = await browser.get(href, headers={"Range": "bytes=0-7"})
    assert (part.status_code, part.content) == (206, photo[:8])
    for wrong in (f"/status/{token}/files/{message_id}/1", f"/status/{token}/files/other/0"):
        assert (await browser.get(wrong)).status_code == 404
    other = await complaint(browser, console, gateway, cases, email="lan@example.com", text="No files here")
    elsewhere = await browser.get(f"/status/{await cases.status_token(other)}/files/{message_id}/0")
    assert elsewhere.status_code == 404, "another case's link opens none of this case's files"


async def test_a_link_for_one_case_never_opens_or_writes_to_another(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    browser = new_browser(console, ENGLISH)
    case_a = await complaint(browser, console, gateway, cases, text="First problem")
    case_b = await complaint(browser, console, gateway, cases, email="lan@example.com", text="Second problem")
    token_a, token_b = await cases.status_token(case_a), await cases.status_token(case_b)

    page_a = await browser.get(f"/status/{token_a}")
    assert "First problem" in page_a.text and "Second problem" not in page_a.text
    assert await cases.reference(case_b) not in page_a.text

    # B's form sent to A's page (or a forged link) is no form of A's page.
    crossed = await browser.post(
        f"/status/{token_a}", data={"text": "Hi", "form_token": form_token(await browser.get(f"/status/{token_b}"))}
    )
    assert crossed.status_code == 400 and "This form is too old or was not made by this site" in crossed.text
    forged = await browser.get(f"/status/{token_a[:16]}{token_b[16:]}")
    assert forged.status_code == 404 and "This link does not lead to a case." in forged.text
    assert len(await gateway.accepted()) == 2


async def test_a_revoked_link_and_a_closed_case_say_so(console: Console, gateway: Gateway, cases: Cases) -> None:
    browser = new_browser(console, VIETNAMESE)
    revoked_case = await complaint(browser, console, gateway, cases)
    closed_case = await complaint(browser, console, gateway, cases, email="lan@example.com")
    revoked_token, closed_token = await cases.status_token(revoked_case), await cases.status_token(closed_case)
    await cases.act(revoked_case, "status-links/revoke", {})
    await cases.act(closed_case, "close", {"reason": "duplicate"})

    gone = await browser.get(f"/status/{revoked_token}")
    assert gone.status_code == 410 and "Đường dẫn này không còn hiệu lực." in gone.text
    assert (await write(browser, console, revoked_token, "Còn ai không?")).status_code == 410

    closed = await browser.get(f"/status/{closed_token}")
    assert closed.status_code == 200 and "Đã đóng" in closed.text
    assert 'id="closed-note"' in closed.text and 'name="text"' not in closed.text
    refused = await write(browser, console, closed_token, "Sao lại đóng?")
    assert refused.status_code == 422 and "Hồ sơ này đã đóng và không nhận thêm tin nhắn." in refused.text

    assert (await browser.get("/status/" + "x" * 48)).status_code == 404
    robot = await write(browser, console, closed_token, "spam", website="x")
    assert robot.status_code == 400
    assert len(await gateway.accepted()) == 2, "nothing was sent from these pages"


async def test_with_the_case_service_away_the_page_says_it_is_unavailable(
    migrated_url: str, tmp_path: Path, gateway: Gateway
) -> None:
    away = Cases(url=f"http://127.0.0.1:{free_port()}", app=None, handlers=None)  # type: ignore[arg-type]
    async with running_public_console(migrated_url, tmp_path / "console", gateway=gateway, cases=away) as console:
        page = await new_browser(console, ENGLISH).get("/status/" + "a" * 48)
    assert page.status_code == 503 and "This page cannot be shown right now." in page.text
