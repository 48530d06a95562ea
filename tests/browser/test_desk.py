"""The agent's desk in a real browser, against the platform as `make run` starts it: an offer appears without
reloading, the agent accepts it, reads the customer's history across two channels, replies (and sees the reply's
delivery status change live), and resolves the case, while a second agent signed in at the same time never sees that
case in any page or stream; hostile complaint text never runs; and how long a complaint takes to reach the desk."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Dialog, Page, expect

from tests.browser.conftest import NewBrowser
from tests.browser.support import Platform, create_user, screenshot, sign_in
from tests.support.polling import eventually
from tests.support.smtp_sink import SmtpSink

CATEGORIES = ("delivery_delay", "damaged_goods", "product_quality", "billing_refund", "staff_attitude", "technical")
LATENCY_COMPLAINTS = 10


async def test_an_agent_works_a_complaint_from_offer_to_resolution_and_another_agent_never_sees_it(
    new_browser: NewBrowser, platform: Platform
) -> None:
    run = uuid.uuid4().hex[:6]
    await everyone_offline(platform)
    await put_router_agent(platform, f"mai-{run}", name="Mai", languages=["vi", "en"])
    await put_router_agent(platform, f"tuan-{run}", name="Tuấn", languages=["en"])  # never eligible for these
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    mai = await desk_of(new_browser, admin, username=f"mai{run}", agent_id=f"mai-{run}")
    tuan_browser = await new_browser()
    tuan = await desk_of(new_browser, admin, username=f"tuan{run}", agent_id=f"tuan-{run}", context=tuan_browser)

    async with streams_of(platform, tuan_browser) as tuan_heard:
        customer = {"customer_ref": f"KH-{run}", "sender_name": "Nguyễn Thị Lan", "language": "vi"}
        phone, email = f"+8491{int(run, 16) % 10_000_000:07d}", f"lan.{run}@khach.vn"
        sms_subject = f"SMS {run}: chưa nhận được hàng"
        await complaint(
            platform,
            channel="sms",
            sender_address=phone,
            subject=sms_subject,
            **customer,
            text="Tôi chưa nhận được hàng, giao hàng chậm quá.",
        )
        await live(mai)
        await stay_marker(mai, "before-sms")
        sms_offer = mai.locator("li.offer", has_text=sms_subject)
        await expect(sms_offer).to_be_visible()
        await expect_same_page(mai, "before-sms")
        sms_case = str(await sms_offer.get_attribute("data-case-id"))
        await sms_offer.locator("button.accept").click()
        await expect(mai.locator("#case-status")).to_have_text("Đang xử lý")
        mai.on("dialog", accept_dialog)  # closing for good asks first
        await mai.locator("summary", has_text="Đóng hẳn").click()
        await mai.locator("#close-reason").fill("Khách sẽ gửi lại qua email")
        await mai.locator("#close-button").click()
        await expect(mai.locator("#case-status")).to_have_text("Đã đóng")

        await mai.get_by_role("link", name="Về bàn làm việc").click()
        await live(mai)
        await stay_marker(mai, "before-email")
        mail_subject = f"Đơn {run} giao chậm, tôi rất bực mình"
        await complaint(
            platform,
            channel="email",
            sender_address=email,
            subject=mail_subject,
            **customer,
            text="Đơn hàng vẫn chưa tới sau hai tuần. Tôi rất bực mình!",
        )
        offer = mai.locator("li.offer", has_text=mail_subject)
        await expect(offer).to_be_visible()
        await expect(offer.locator(".countdown")).to_contain_text(" s")
        await expect(offer).to_contain_text("Email")
        await expect(offer).to_contain_text("Giao hàng chậm")
        await expect(offer).to_contain_text("Nguyễn Thị Lan, khách quay lại")  # the SMS case was with Mai
        await expect_same_page(mai, "before-email")
        mail_case = str(await offer.get_attribute("data-case-id"))
        await expect(mai.locator(f"#cases-body tr[data-case-id='{sms_case}']")).to_contain_text("Đã đóng")
        await screenshot(mai, "desk")

        await offer.locator("button.accept").click()
        await expect(mai.locator("#case-status")).to_have_text("Đang xử lý")
        history = mai.locator("#history")
        await expect(history).to_contain_text("Tôi chưa nhận được hàng, giao hàng chậm quá.")
        await expect(history).to_contain_text("Đơn hàng vẫn chưa tới sau hai tuần.")
        await expect(history.locator("li[data-channel='sms']").first).to_be_visible()
        await expect(history.locator("li[data-channel='email']").first).to_be_visible()
        await expect(mai.locator("#customer .identities")).to_contain_text(phone)
        await expect(mai.locator("#customer .identities")).to_contain_text(email)
        await expect(mai.locator("#timeline")).to_contain_text("Phân loại: Giao hàng chậm")
        await expect(mai.locator("#timeline")).to_contain_text("Phân công: ca mới → mời")
        await expect(mai.locator(".playbook-questions li").first).to_be_visible()

        relay = platform.mail_relay
        assert relay is not None
        await eventually(mail_to(relay, email), within=30, what="the acknowledgement at the relay")
        relay.gate = asyncio.Event()  # the relay takes the reply only when the page has shown it waiting
        try:
            await mai.locator("#reply-text").fill("Chào chị Lan, em đã kiểm tra: đơn sẽ tới trong ngày mai ạ.")
            await mai.locator("#send-reply").click()
            await expect(mai.locator("p.notice")).to_have_text("Đã gửi trả lời.")
            reply = mai.locator("#conversation li.direction-outbound", has_text="đơn sẽ tới trong ngày mai")
            await expect(reply.locator(".delivery")).to_have_text("Đang gửi…")
            await live(mai)
            await stay_marker(mai, "reply-waiting")
            relay.gate.set()
            await expect(reply.locator(".delivery")).to_have_text("Đã gửi")
            await expect_same_page(mai, "reply-waiting")
        finally:
            relay.gate.set()
            relay.gate = None
        sent = await eventually(mail_to(relay, email, containing="ngày mai"), within=30, what="the reply at the relay")
        assert "ngày mai" in sent
        await screenshot(mai, "case")

        await mai.locator("summary", has_text="Giải quyết xong").click()
        await mai.locator("#resolution-code").fill("giao_lai")
        await mai.locator("#root-cause").fill("courier")
        await mai.locator("#resolve-button").click()
        await expect(mai.locator("#case-status")).to_have_text("Đã giải quyết")
        await expect(mai.locator("#case-resolution")).to_contain_text("giao_lai")

        # All this while Tuấn sat at his desk, live: nothing of Mai's cases reached his page or his streams.
        for case_id in (sms_case, mail_case):
            await expect(tuan.locator(f"[data-case-id='{case_id}']")).to_have_count(0)
        await expect(tuan.locator("#live-status")).to_have_text("Trực tiếp")
    heard = "".join(tuan_heard)
    assert heard.count("retry:") == 2, "both of Tuấn's streams were open"
    assert sms_case not in heard and mail_case not in heard
    references = [await reference_of(platform, case_id) for case_id in (sms_case, mail_case)]
    await tuan.goto("/desk")
    for reference in references:
        await expect(tuan.locator("main")).not_to_contain_text(reference)
    for case_id in (sms_case, mail_case):
        await tuan.goto(f"/desk/cases/{case_id}")
        await expect(tuan.locator("[role=alert]")).to_have_text("Không có ca này trong các ca của bạn.")
        await expect(tuan.locator("main")).not_to_contain_text(mail_subject)

    await mai.locator("#presence-switch button[value='offline']").click()
    await expect(mai.locator("#presence-switch button[value='offline']")).to_have_attribute("aria-pressed", "true")


async def test_script_and_event_handlers_in_a_complaint_never_run_and_show_as_text(
    new_browser: NewBrowser, platform: Platform
) -> None:
    run = uuid.uuid4().hex[:6]
    await everyone_offline(platform)
    await put_router_agent(platform, f"hoa-{run}", name="Hoa", languages=["vi", "en"])
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    hoa = await desk_of(new_browser, admin, username=f"hoa{run}", agent_id=f"hoa-{run}")
    dialogs: list[str] = []
    hoa.on("dialog", lambda dialog: dialogs.append(dialog.message))

    subject = f"XSS {run} <script>window.__xss='subject'</script><img src=x onerror=\"window.__xss='subject-img'\">"
    text = (
        "Hàng bị vỡ <img src=x onerror=\"window.__xss='text'\"> <svg onload=\"window.__xss='svg'\"></svg> "
        "\"><script>alert('text')</script>"
    )
    html = (
        "<p>Xin chào <b>shop</b></p><script>window.__xss='html'</script>"
        '<img src="http://127.0.0.1:9/pixel.png" onerror="window.__xss=\'html-img\'">'
        "<a href=\"javascript:window.__xss='link'\" onclick=\"window.__xss='click'\">bấm vào đây</a>"
        '<iframe src="javascript:alert(\'frame\')"></iframe><form action="http://127.0.0.1:9/"><button>Gửi</button></form>'
    )
    await post_mail(
        platform,
        subject=subject,
        text=text,
        html=html,
        sender="Kẻ xấu & onmouseover=alert(1)",
        address=f"xss.{run}@khach.vn",
        message_id=f"<xss-{run}@khach.vn>",
    )

    offer = hoa.locator("li.offer", has_text=f"XSS {run}")
    await expect(offer).to_be_visible()
    await expect(offer.locator(".offer-subject")).to_have_text(subject)
    assert await hoa.evaluate("window.__xss") is None, "nothing ran on the desk"
    await offer.locator("button.accept").click()
    await expect(hoa.locator(".case-subject-line")).to_have_text(subject)
    inbound = hoa.locator("#conversation li.direction-inbound").first
    await expect(inbound.locator(".message-text")).to_contain_text("<img src=x onerror=\"window.__xss='text'\">")
    await expect(inbound.locator(".sender")).to_contain_text("Kẻ xấu & onmouseover=alert")
    await live(hoa)
    await inbound.locator("details.formatted summary").click()
    mail = hoa.frame_locator("iframe.mail-frame")
    await expect(mail.locator("p")).to_have_text("Xin chào shop")
    await expect(mail.locator("a")).to_have_text("bấm vào đây")
    for hostile in ("script", "iframe", "form", "[onerror]", "[onclick]", "img[src^='http']", "a[href^='javascript']"):
        await expect(mail.locator(hostile)).to_have_count(0)
    await mail.locator("a").click()  # a link with nothing left to run
    await expect(hoa.locator("#history")).to_contain_text("<svg onload=")
    assert await hoa.evaluate("window.__xss") is None, "nothing ran on the case page"

    await hoa.get_by_role("link", name="Về bàn làm việc").click()
    await expect(hoa.locator("#cases-body")).to_contain_text("<svg onload=")
    assert await hoa.evaluate("window.__xss") is None
    assert dialogs == []
    await hoa.locator("#presence-switch button[value='offline']").click()
    await expect(hoa.locator("#presence-switch button[value='offline']")).to_have_attribute("aria-pressed", "true")


async def test_how_long_a_complaint_takes_to_reach_the_agents_browser(
    new_browser: NewBrowser, platform: Platform
) -> None:
    """Measured, not asserted (timing goals live in bench/): from the POST of a complaint to its offer on screen."""
    run = uuid.uuid4().hex[:6]
    await everyone_offline(platform)
    await put_router_agent(platform, f"binh-{run}", name="Bình", languages=["vi", "en"])
    admin = await (await new_browser()).new_page()
    await sign_in(admin, "admin", platform.admin_password)
    binh = await desk_of(new_browser, admin, username=f"binh{run}", agent_id=f"binh-{run}")
    seconds: list[float] = []
    case_ids: list[str] = []
    for number in range(LATENCY_COMPLAINTS):
        subject = f"Đo {run}-{number}: hàng bị vỡ"
        started = time.perf_counter()
        await complaint(
            platform,
            channel="web",
            sender_address=f"do.{run}.{number}@khach.vn",
            subject=subject,
            text="Hàng bị vỡ khi giao tới.",
            language="vi",
        )
        await binh.wait_for_function(
            "s => document.getElementById('offers-body').innerText.includes(s)", arg=subject, polling="raf"
        )
        seconds.append(time.perf_counter() - started)
        offer = binh.locator("li.offer", has_text=subject)
        case_ids.append(str(await offer.get_attribute("data-case-id")))
        await offer.locator("details.decline summary").click()
        await offer.locator("select[name=reason_choice]").select_option("busy")
        await offer.locator("button.confirm-decline").click()
        await expect(binh.locator("p.notice")).to_have_text("Bạn đã từ chối; ca sẽ chuyển cho người khác.")
        await expect(binh.locator("li.offer", has_text=subject)).to_have_count(0)
        await live(binh)
    milliseconds = sorted(s * 1000 for s in seconds)
    print(
        f"\noffer latency, POST /v1/messages to the offer on the agent's screen, over {len(milliseconds)} "
        f"complaints: p50 {statistics.median(milliseconds):.0f} ms, max {milliseconds[-1]:.0f} ms "
        f"(all: {', '.join(f'{ms:.0f}' for ms in milliseconds)})"
    )
    async with admin_api(platform, "case_service") as cases:
        for case_id in case_ids:  # declined and waiting for nobody: out of the queue
            assert (await cases.post(f"/v1/cases/{case_id}/close", json={"reason": "measured"})).status_code == 200
    await binh.locator("#presence-switch button[value='offline']").click()
    await expect(binh.locator("#presence-switch button[value='offline']")).to_have_attribute("aria-pressed", "true")


# --- a person's steps and the platform's side, for the tests above


async def desk_of(
    new_browser: NewBrowser, admin: Page, *, username: str, agent_id: str, context: BrowserContext | None = None
) -> Page:
    """The admin creates the agent's console user; the agent signs in, lands on the desk and becomes available."""
    password = await create_user(
        admin, username=username, display_name=username.title(), role="agent", agent_id=agent_id
    )
    page = await (context or await new_browser()).new_page()
    await sign_in(page, username, password)
    await expect(page.locator("#acting-as")).to_have_text(f"Bạn làm việc với mã nhân viên {agent_id}.")
    await expect(page.locator("#presence-switch button[value='offline']")).to_have_attribute("aria-pressed", "true")
    await page.locator("#presence-switch button[value='available']").click()
    await expect(page.locator("#presence-switch button[value='available']")).to_have_attribute("aria-pressed", "true")
    await live(page)
    return page


async def live(page: Page) -> None:
    """Until the page's live streams listen (an event from now on reaches it)."""
    await expect(page.locator("#live-status")).to_have_text("Trực tiếp")


async def stay_marker(page: Page, name: str) -> None:
    """Mark the page as loaded now: a reload would lose the mark."""
    await page.evaluate("name => { window.__stay = name; }", name)


async def expect_same_page(page: Page, name: str) -> None:
    assert await page.evaluate("window.__stay") == name, "the page was not reloaded"


async def accept_dialog(dialog: Dialog) -> None:
    await dialog.accept()


@asynccontextmanager
async def admin_api(platform: Platform, service: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {platform.admin_key}"}
    async with httpx.AsyncClient(base_url=platform.url(service), headers=headers, timeout=30, trust_env=False) as c:
        yield c


async def put_router_agent(platform: Platform, agent_id: str, *, name: str, languages: list[str]) -> None:
    """The agent as routing knows it (the console's agents screen is the supervisor's; here the admin key sets it)."""
    body = {"name": name, "skills": {c: 4 for c in CATEGORIES}, "languages": languages, "capacity": 20}
    async with admin_api(platform, "router_service") as router:
        answer = await router.put(f"/v1/agents/{agent_id}", json=body)
    assert answer.status_code in (200, 201), answer.text


async def everyone_offline(platform: Platform) -> None:
    """The agents of earlier tests take nothing of this one."""
    async with admin_api(platform, "router_service") as router:
        agents = (await router.get("/v1/agents")).json()["items"]
        for agent in agents:
            if agent["presence"] != "offline":
                answer = await router.put(f"/v1/agents/{agent['id']}/presence", json={"presence": "offline"})
                assert answer.status_code == 200, answer.text


async def complaint(platform: Platform, **fields: Any) -> None:
    """A complaint from an integrator, as `POST /v1/messages` on the gateway takes it."""
    async with admin_api(platform, "gateway") as gateway:
        answer = await gateway.post("/v1/messages", json=fields, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 202, answer.text


async def post_mail(
    platform: Platform, *, subject: str, text: str, html: str, sender: str, address: str, message_id: str
) -> None:
    """A customer's mail with a text and an HTML part, as raw MIME to the email channel."""
    mail = EmailMessage()
    mail["From"] = f'"{sender}" <{address}>'
    mail["To"] = "support@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    async with admin_api(platform, "ingest_email") as channel:
        answer = await channel.post("/v1/mime", content=mail.as_bytes(), headers={"Content-Type": "message/rfc822"})
    assert answer.status_code == 202, answer.text


async def reference_of(platform: Platform, case_id: str) -> str:
    async with admin_api(platform, "case_service") as cases:
        return str((await cases.get(f"/v1/cases/{case_id}")).json()["reference"])


@asynccontextmanager
async def streams_of(platform: Platform, context: BrowserContext) -> AsyncIterator[list[str]]:
    """Everything the console's live routes send to this browser's session while the block runs."""
    cookies = {c["name"]: c["value"] for c in await context.cookies() if c["name"] == "console_session"}
    heard: list[str] = []

    async def listen(client: httpx.AsyncClient, path: str) -> None:
        async with client.stream("GET", path) as stream:
            async for text in stream.aiter_text():
                heard.append(text)

    async with httpx.AsyncClient(base_url=platform.console_url, cookies=cookies, timeout=None, trust_env=False) as c:
        tasks = [asyncio.create_task(listen(c, path)) for path in ("/desk/live/offers", "/desk/live/cases")]

        async def both_open() -> bool:
            return "".join(heard).count("retry:") == 2

        await eventually(both_open, within=15, what="both live streams open")
        try:
            yield heard
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def mail_to(relay: SmtpSink, address: str, *, containing: str = "") -> Callable[[], Awaitable[str | None]]:
    """A probe: the text of a mail the relay took for `address` (containing `containing`), or None yet."""

    async def probe() -> str | None:
        for captured in relay.messages:
            body = captured.message.get_body(preferencelist=("plain",)) if address in captured.rcpt_tos else None
            content = str(body.get_content()) if body is not None else ""
            if body is not None and containing in content:
                return content
        return None

    return probe
