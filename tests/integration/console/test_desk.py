"""The agent's desk over HTTP against the real services (the gateway issuing tokens, the router and the case service
served over HTTP, the console's own database on SQLite then PostgreSQL): each agent sees only their own offers and
cases, the unread marker follows what they opened, filters and search narrow the list, an offer accepted before the
case service heard of it opens once it has, actions the case service refuses say why and change nothing, desk forms
need the session's token, presence is read and changed, and the live routes relay only the agent's own events."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from router_service.app import create_app as create_router
from router_service.models import Base as RouterBase
from router_service.settings import RouterServiceSettings
from shared.db import create_engine
from shared.events import AddressKind, Channel
from shared.settings import hash_api_key
from tests.integration.case_service.builders import received
from tests.integration.case_service.desk_kit import Desk, running_desk
from tests.integration.console.support import (
    API_KEY,
    SIGNING_KEY,
    Console,
    console_settings,
    create,
    csrf_token,
    generated_password,
    running_console,
    served_over_http,
    sign_in,
)
from tests.integration.router_service.helpers import route
from tests.support.databases import sqlite_url

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
AGENT = {"name": "Agent", "skills": {"billing": 3, "delivery": 3}, "languages": ["vi", "en"], "capacity": 5}


@dataclass
class World:
    console: Console
    desk: Desk
    router: httpx.AsyncClient  # the router's API with the admin key
    router_sessions: object
    url: str  # the console over HTTP
    passwords: dict[str, str]

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers={"Accept": "text/html"}, timeout=15)

    @asynccontextmanager
    async def signed_in(self, username: str) -> AsyncIterator[httpx.AsyncClient]:
        async with self.browser() as browser:
            answer = await sign_in(browser, username, self.passwords[username])
            assert answer.status_code == 303, answer.text
            yield browser

    async def case_for(self, agent_id: str, **message: object) -> str:
        case_id = await self.desk.deliver(received(**message))  # type: ignore[arg-type]
        await self.desk.assign(case_id, agent_id)
        return case_id


@pytest.fixture
async def world(migrated_url: str, broker: str, tmp_path: Path, gateway_url: str) -> AsyncIterator[World]:
    signed = {"token_signing_key": SecretStr(SIGNING_KEY), "api_key_hashes": hash_api_key(API_KEY)}
    async with running_desk(sqlite_url(tmp_path, "cases"), broker, **signed) as desk:
        router_db = sqlite_url(tmp_path, "router")
        engine = create_engine(router_db)
        async with engine.begin() as connection:
            await connection.run_sync(RouterBase.metadata.create_all)
        await engine.dispose()
        router_settings = RouterServiceSettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=router_db,
            kafka_bootstrap_servers=broker,
            api_key_hashes=hash_api_key(API_KEY),
            token_signing_key=SIGNING_KEY,
        )
        router = create_router(router_settings)
        router.state.runtime.consumer = None
        async with served_over_http(desk.api.app, lifespan="off") as cases_url, served_over_http(router) as router_url:
            settings = console_settings(
                migrated_url,
                tmp_path / "console",
                api_key=API_KEY,
                gateway_url=gateway_url,
                router_service_url=router_url,
                case_service_url=cases_url,
            )
            admin_headers = {"Authorization": f"Bearer {API_KEY}"}
            async with (
                running_console(settings) as console,
                httpx.AsyncClient(base_url=router_url, headers=admin_headers) as router_api,
            ):
                passwords = {}
                async with console.client() as admin:
                    await sign_in(admin, "admin", console.admin_password())
                    for name in ("lan", "minh"):
                        page = await create(admin, username=name, agent_id=f"agent-{name}")
                        passwords[name] = generated_password(page)
                        answer = await router_api.put(f"/v1/agents/agent-{name}", json=AGENT)
                        assert answer.status_code == 201, answer.text
                async with served_over_http(console.app, lifespan="off") as console_url:
                    yield World(console, desk, router_api, router.state.runtime.sessions, console_url, passwords)


def row_of(page: str, case_id: str) -> str:
    found = re.search(rf'<tr data-case-id="{re.escape(case_id)}"[^>]*>.*?</tr>', page, re.S)
    assert found, page
    return found.group(0)


async def test_my_cases_are_mine_only_marked_unread_until_opened_and_filtered(world: World) -> None:
    sms = {"address": "+84912345678", "kind": AddressKind.PHONE, "channel": Channel.SMS}
    lans = await world.case_for(
        "agent-lan", **sms, subject="Hoá đơn sai", text="Tôi bị tính tiền hai lần cho đơn 1001."
    )
    minhs = await world.case_for("agent-minh", address="minh.khach@example.com", subject="Giao chậm")
    async with world.signed_in("lan") as lan:
        desk = await lan.get("/desk")
        assert desk.status_code == 200
        assert minhs not in desk.text and "Giao chậm" not in desk.text
        assert 'class="unread"' in row_of(desk.text, lans)
        assert "Tôi bị tính tiền hai lần cho đơn 1001." in row_of(desk.text, lans)

        page = await lan.get(f"/desk/cases/{lans}")
        assert page.status_code == 200
        assert "Hoá đơn sai" in page.text
        assert 'class="unread"' not in row_of((await lan.get("/desk")).text, lans)

        world.desk.clock.advance(minutes=5)
        assert await world.desk.deliver(received(**sms, text="Sao chưa ai trả lời tôi?", subject=None)) == lans
        row = row_of((await lan.get("/desk/parts/cases")).text, lans)
        assert 'class="unread"' in row and "Sao chưa ai trả lời tôi?" in row, "a new message"

        assert lans in (await lan.get("/desk", params={"q": "hai lần"})).text
        assert lans not in (await lan.get("/desk", params={"q": "không có chữ này"})).text
        assert lans not in (await lan.get("/desk", params={"status": "closed"})).text
        assert lans in (await lan.get("/desk", params={"channel": "sms", "status": "bogus"})).text
        assert lans not in (await lan.get("/desk", params={"channel": "email"})).text

        other = await lan.get(f"/desk/cases/{minhs}")
        assert other.status_code == 404
        assert "Không có ca này trong các ca của bạn." in other.text and "Giao chậm" not in other.text


async def test_an_offer_shows_the_case_and_once_accepted_opens_when_the_case_service_has_it(world: World) -> None:
    case_id = await world.desk.deliver(received(subject="Chưa nhận hàng", channel=Channel.EMAIL))
    await world.router.put("/v1/agents/agent-lan/presence", json={"presence": "available"})
    await route(world.router_sessions, case_id, category="billing", markers=("angry",))  # type: ignore[arg-type]
    async with world.signed_in("lan") as lan, world.signed_in("minh") as minh:
        offers = await lan.get("/desk/parts/offers")
        assert f"REF-{case_id}" in offers.text and f"subject of {case_id}" in offers.text
        assert "bức xúc" in offers.text and "Khách mới với bạn" in offers.text
        assert case_id not in (await minh.get("/desk/parts/offers")).text
        [offer_id] = re.findall(r'data-offer-id="([^"]+)"', offers.text)

        forged = await minh.post(f"/desk/offers/{offer_id}/accept", data={"csrf_token": await token_of(minh)})
        assert forged.headers["location"] == "/desk?done=offer_gone", "not minh's offer"

        accepted = await lan.post(f"/desk/offers/{offer_id}/accept", data={"csrf_token": await token_of(lan)})
        assert accepted.status_code == 303
        assert accepted.headers["location"] == f"/desk/cases/{case_id}?done=accept"
        pending = await lan.get(f"/desk/cases/{case_id}")
        assert pending.status_code == 200 and f'data-pending-case="{case_id}"' in pending.text
        await world.desk.assign(case_id, "agent-lan")  # case.assigned.v1 reaches the case service
        page = await lan.get(f"/desk/cases/{case_id}")
        assert "Chưa nhận hàng" in page.text and "Phân công: ca mới → mời agent-lan nhận" in page.text
        again = await lan.post(f"/desk/offers/{offer_id}/accept", data={"csrf_token": await token_of(lan)})
        assert again.headers["location"] == "/desk?done=offer_gone"


async def test_a_declined_offer_goes_with_the_agents_reason(world: World) -> None:
    await world.router.put("/v1/agents/agent-lan/presence", json={"presence": "available"})
    await route(world.router_sessions, "case-9", category="billing")  # type: ignore[arg-type]
    async with world.signed_in("lan") as lan:
        [offer_id] = re.findall(r'data-offer-id="([^"]+)"', (await lan.get("/desk/parts/offers")).text)
        form = {"csrf_token": await token_of(lan), "reason_choice": "language", "reason": "khách nói tiếng Khmer"}
        declined = await lan.post(f"/desk/offers/{offer_id}/decline", data=form)
        assert declined.headers["location"] == "/desk?done=declined"
        assert "Bạn đã từ chối" in (await lan.get("/desk?done=declined")).text
    routing = (await world.router.get("/v1/cases/case-9/routing")).json()["decisions"]
    assert [d["outcome"] for d in routing] == ["offered", "declined", "queued"]  # nobody else could take it
    offers = (await world.router.get("/v1/agents/agent-lan/offers")).json()["items"]
    assert offers == []
    floor = await world.router.get("/v1/supervisor/snapshot")
    assert "Tôi không nói được ngôn ngữ của khách — khách nói tiếng Khmer" in floor.text


async def test_actions_the_case_service_refuses_say_why_and_forms_need_the_session_token(world: World) -> None:
    case_id = await world.case_for("agent-lan", subject="Hàng vỡ")
    async with world.signed_in("lan") as lan:
        token = await token_of(lan)
        empty = await lan.post(f"/desk/cases/{case_id}/reply", data={"csrf_token": token, "text": "  "})
        assert empty.status_code == 400 and "Hãy nhập: Nội dung trả lời." in empty.text

        noted = await lan.post(f"/desk/cases/{case_id}/note", data={"csrf_token": token, "text": "Gọi kho <b>ngay</b>"})
        assert noted.headers["location"] == f"/desk/cases/{case_id}?done=note"
        page = await lan.get(noted.headers["location"])
        assert "Đã thêm ghi chú." in page.text and "Gọi kho &lt;b&gt;ngay&lt;/b&gt;" in page.text

        closed = await lan.post(f"/desk/cases/{case_id}/close", data={"csrf_token": token, "reason": "xong"})
        assert closed.headers["location"] == f"/desk/cases/{case_id}?done=close"
        refused = await lan.post(f"/desk/cases/{case_id}/reply", data={"csrf_token": token, "text": "Chào anh"})
        assert refused.status_code == 409
        assert "a closed case takes no more replies" in refused.text and 'id="action-error"' in refused.text

        forged = await lan.post(f"/desk/cases/{case_id}/note", data={"text": "không có mã"})
        assert forged.status_code == 403
    case = await world.desk.api.case(case_id, ADMIN)
    assert [m["text"] for m in case["messages"] if m["direction"] == "note"] == ["Gọi kho <b>ngay</b>"]
    assert case["status"] == "closed"


async def test_presence_is_read_and_changed_for_the_signed_in_agent_only(world: World) -> None:
    async with world.signed_in("lan") as lan:
        headers = {"Accept": "application/json", "X-CSRF-Token": await token_of(lan)}
        assert (await lan.get("/desk/presence", headers=headers)).json() == {
            "presence": "offline",
            "label": "Ngoại tuyến",
        }
        changed = await lan.put("/desk/presence", json={"presence": "busy"}, headers=headers)
        assert changed.json() == {"presence": "busy", "label": "Bận"}
        assert (await lan.put("/desk/presence", json={"presence": "asleep"}, headers=headers)).status_code == 422
        form = {"csrf_token": headers["X-CSRF-Token"], "presence": "available", "next": "//evil.example/"}
        posted = await lan.post("/desk/presence", data=form)
        assert posted.headers["location"] == "/desk"
    agents = {a["id"]: a["presence"] for a in (await world.router.get("/v1/agents")).json()["items"]}
    assert agents == {"agent-lan": "available", "agent-minh": "offline"}


async def test_the_live_routes_relay_the_agents_own_events_and_say_when_they_listen(world: World) -> None:
    lans = await world.case_for("agent-lan", subject="Của Lan")
    minhs = await world.case_for("agent-minh", address="minh.khach@example.com", subject="Của Minh")
    async with world.signed_in("lan") as lan:
        async with lan.stream("GET", "/desk/live/cases") as stream:
            lines = stream.aiter_lines()
            assert await event_after(lines) == ("console_ready", {})
            await world.desk.reply(minhs, "cho Minh")
            await world.desk.reply(lans, "cho Lan")
            kind, data = await event_after(lines)
            assert (kind, data["case_id"]) == ("message.added", lans)
        async with lan.stream("GET", "/desk/live/offers") as stream:
            assert await event_after(stream.aiter_lines()) == ("console_ready", {})


async def token_of(browser: httpx.AsyncClient) -> str:
    return csrf_token(await browser.get("/account"))


async def event_after(lines: AsyncIterator[str]) -> tuple[str, dict[str, object]]:
    kind = ""
    async with asyncio.timeout(15):
        async for line in lines:
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                return kind, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")
