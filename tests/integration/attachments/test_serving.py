"""A file a customer sent through the gateway, opened by the agent of its case: case_service hands out a signed link
to the gateway, which serves the bytes (ranges too) with headers no browser can be tricked by; an agent without
access gets no link (404), and a changed or expired link opens nothing. The console relays links to stores it knows,
and nothing else."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

import services.console
import services.gateway
from services.gateway.app import create_app as create_gateway
from services.gateway.models import outbox as gateway_outbox
from services.gateway.settings import GatewaySettings
from shared.settings import hash_api_key
from tests.integration.attachments.support import (
    API_KEY,
    LINK_KEY,
    PDF,
    Cases,
    case_settings,
    closed_bootstrap,
    inbound,
    migrate,
    received_events,
    running_cases,
    served_over_http,
    token_auth,
)
from tests.integration.console.support import console_settings, running_console, sign_in
from tests.support.databases import sqlite_url

HTML = b"<html><script>alert(document.cookie)</script></html>"


@dataclass
class Platform:
    gateway_url: str
    gateway: Any
    cases: Cases


@pytest.fixture
async def platform(database_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    """The gateway over HTTP (where case_service's links point) and case_service in-process."""
    gateway_db = sqlite_url(tmp_path, "gateway")
    await migrate(Path(services.gateway.__file__).parent, gateway_db)
    gateway = create_gateway(
        GatewaySettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=gateway_db,
            data_dir=tmp_path / "gateway",
            kafka_bootstrap_servers=closed_bootstrap(),
            api_key_hashes=hash_api_key(API_KEY),
            attachment_link_key=SecretStr(LINK_KEY),
        )
    )
    gateway.state.runtime.consumer = None  # its dead letters are not what these tests are about
    async with served_over_http(gateway) as gateway_url:
        settings = case_settings(database_url, tmp_path / "cases", {"gateway": gateway_url})
        async with running_cases(settings) as cases:
            yield Platform(gateway_url=gateway_url, gateway=gateway, cases=cases)


async def customer_sends(platform: Platform, *files: tuple[str, bytes, str]) -> str:
    """The customer's message with `files` through the gateway, taken by case_service and assigned to agent lan."""
    body = {
        "channel": "web",
        "sender_address": "lan.khach@example.com",
        "text": "Hóa đơn bị tính hai lần, xem tệp đính kèm",
        "attachments": [
            {"filename": name, "content_type": kind, "content_base64": base64.b64encode(content).decode()}
            for name, content, kind in files
        ],
    }
    async with httpx.AsyncClient(base_url=platform.gateway_url) as http:
        headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": "files-1"}
        assert (await http.post("/v1/messages", json=body, headers=headers)).status_code == 202
    [event] = await received_events(platform.gateway.state.runtime.sessions, gateway_outbox)
    case_id = await platform.cases.receive(event)
    assert case_id is not None
    await platform.cases.assign(case_id, "lan")
    return case_id


async def test_the_agent_of_the_case_opens_the_file_the_customer_sent(platform: Platform) -> None:
    case_id = await customer_sends(platform, ("hóa đơn.pdf", PDF, "application/pdf"))
    [message] = inbound(await platform.cases.case(case_id))
    [attachment] = message["attachments"]
    assert (attachment["store"], attachment["sha256"]) == ("gateway", hashlib.sha256(PDF).hexdigest())
    assert attachment["download_url"].startswith(f"{platform.gateway_url}/v1/attachments/{attachment['sha256']}?")

    async with httpx.AsyncClient() as browser:
        whole = await browser.get(attachment["download_url"])
        assert whole.status_code == 200
        assert whole.content == PDF
        assert whole.headers["content-type"] == "application/pdf"
        assert whole.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''h%C3%B3a%20%C4%91%C6%A1n.pdf" in whole.headers["content-disposition"]
        assert whole.headers["x-content-type-options"] == "nosniff"
        assert whole.headers["accept-ranges"] == "bytes"

        part = await browser.get(attachment["download_url"], headers={"Range": "bytes=5-14"})
        assert part.status_code == 206
        assert part.content == PDF[5:15]
        assert part.headers["content-range"] == f"bytes 5-14/{len(PDF)}"
        tail = await browser.get(attachment["download_url"], headers={"Range": "bytes=-10"})
        assert (tail.status_code, tail.content) == (206, PDF[-10:])
        outside = await browser.get(attachment["download_url"], headers={"Range": f"bytes={len(PDF)}-"})
        assert outside.status_code == 416
        assert outside.headers["content-range"] == f"bytes */{len(PDF)}"


async def test_html_and_svg_are_always_downloaded_never_shown(platform: Platform) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    case_id = await customer_sends(
        platform,
        ("page.html", HTML, "text/html"),
        ("logo.svg", svg, "image/svg+xml"),
        ("a.png", b"\x89PNG", "image/png"),
    )
    [message] = inbound(await platform.cases.case(case_id))
    async with httpx.AsyncClient() as browser:
        page, logo, image = [await browser.get(item["download_url"]) for item in message["attachments"]]
    assert (page.content, page.headers["content-type"]) == (HTML, "text/html; charset=utf-8")
    assert page.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in page.headers["content-security-policy"]
    assert logo.headers["content-disposition"].startswith("attachment;")
    assert image.headers["content-disposition"].startswith("inline;")
    assert all(answer.headers["x-content-type-options"] == "nosniff" for answer in (page, logo, image))


async def test_an_agent_without_the_case_gets_no_link_and_a_changed_link_opens_nothing(platform: Platform) -> None:
    case_id = await customer_sends(platform, ("hóa đơn.pdf", PDF, "application/pdf"), ("page.html", HTML, "text/html"))
    other = await platform.cases.client.get(f"/v1/cases/{case_id}", headers=token_auth(agent_id="minh"))
    assert other.status_code == 404

    [message] = inbound(await platform.cases.case(case_id))
    pdf_link, html_link = (item["download_url"] for item in message["attachments"])
    parts = urlsplit(pdf_link)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    html_sha = urlsplit(html_link).path.rsplit("/", 1)[1]
    changed = [
        {**query, "type": "text/html"},  # the same file shown as a page
        {**query, "name": "hóa đơn.html"},
        {**query, "exp": str(int(query["exp"]) + 86_400)},
        {**query, "case": "another-case"},
        {**query, "sig": query["sig"][:-2] + ("AA" if not query["sig"].endswith("AA") else "BB")},
        {name: value for name, value in query.items() if name != "sig"},
    ]
    async with httpx.AsyncClient() as browser:
        for params in changed:
            answer = await browser.get(f"{platform.gateway_url}{parts.path}?{urlencode(params)}")
            assert answer.status_code in (404, 422), params
            assert answer.headers["content-type"].startswith("application/problem+json")
        another_file = await browser.get(f"{platform.gateway_url}/v1/attachments/{html_sha}?{parts.query}")
        assert another_file.status_code == 404
        expired = {**query, "exp": "1000"}
        assert (await browser.get(f"{platform.gateway_url}{parts.path}?{urlencode(expired)}")).status_code == 404


async def test_the_console_relays_a_link_to_a_store_and_refuses_any_other_address(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = await customer_sends(platform, ("hóa đơn.pdf", PDF, "application/pdf"))
    [message] = inbound(await platform.cases.case(case_id))
    link = message["attachments"][0]["download_url"]

    console_db = sqlite_url(tmp_path, "console")
    await migrate(Path(services.console.__file__).parent, console_db)
    monkeypatch.setenv("CONSOLE_ATTACHMENT_STORES", f"gateway={platform.gateway_url}")
    async with running_console(console_settings(console_db, tmp_path / "console")) as console:
        async with console.client() as browser:
            assert (await browser.get("/attachments", params={"link": link})).status_code in (303, 401)
            await sign_in(browser, "admin", console.admin_password())
            relayed = await browser.get("/attachments", params={"link": link})
            assert relayed.status_code == 200, relayed.text
            assert relayed.content == PDF
            assert relayed.headers["content-disposition"].startswith("attachment;")
            assert relayed.headers["x-content-type-options"] == "nosniff"
            ranged = await browser.get("/attachments", params={"link": link}, headers={"Range": "bytes=0-3"})
            assert (ranged.status_code, ranged.content) == (206, PDF[:4])

            elsewhere = [
                link.replace(platform.gateway_url, "http://169.254.169.254"),
                link.replace("/v1/attachments/", "/v1/deadletters/"),
                platform.gateway_url + "/v1/messages",
                link.replace("http://", "http://user:pass@"),
                "file:///etc/passwd",
            ]
            for address in elsewhere:
                refused = await browser.get("/attachments", params={"link": address})
                assert refused.status_code == 404, address
            tampered = link.replace("type=application%2Fpdf", "type=text%2Fhtml")
            assert (await browser.get("/attachments", params={"link": tampered})).status_code == 404
