"""Each signed-in person's access token, from the real gateway: it carries that person's role and agent id, stays on
the server, and what the services refuse or fail to answer becomes a readable page, never a 500."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request

from services.console.auth import UserApi, signed_in
from services.console.services_client import Api, Service, ServiceError
from services.console.sessions import COOKIE
from shared.tokens import Principal, Role, verify_token
from tests.integration.console.support import (
    API_KEY,
    SIGNING_KEY,
    Console,
    console_settings,
    create,
    form_token,
    generated_password,
    running_console,
    sign_in,
)
from tests.support.broker import free_port


def with_probe(console: Console) -> None:
    """A page that lists dead letters as the signed-in person (the screens to come call the services this way)."""
    probe = APIRouter()

    @probe.get("/probe/deadletters")
    async def deadletters(api: UserApi) -> dict[str, object]:
        return {"count": len((await api.get(Service.GATEWAY, "/v1/deadletters"))["items"])}

    console.app.include_router(probe)


async def token_of(console: Console, session_id: str) -> str:
    """The token the console holds for a session, as a screen's call would obtain it."""
    scope = {"type": "http", "app": console.app, "headers": [(b"cookie", f"{COOKIE}={session_id}".encode())]}
    found = await signed_in(Request(scope))
    assert found is not None
    return await console.app.state.console.tokens.token_for(found)


async def test_each_person_gets_a_token_with_their_own_role_and_agent_id(
    migrated_url: str, tmp_path: Path, gateway_url: str
) -> None:
    settings = console_settings(migrated_url, tmp_path / "console", api_key=API_KEY, gateway_url=gateway_url)
    async with running_console(settings) as console, console.client() as admin, console.client() as agent:
        await sign_in(admin, "admin", console.admin_password())
        password = generated_password(await create(admin, username="lan", agent_id="agent-lan"))
        await sign_in(agent, "lan", password)

        assert verify_token(SIGNING_KEY, await token_of(console, agent.cookies[COOKIE])) == Principal(
            role=Role.AGENT, agent_id="agent-lan", subject="console:lan"
        )
        assert verify_token(SIGNING_KEY, await token_of(console, admin.cookies[COOKIE])) == Principal(
            role=Role.ADMIN, subject="console:admin"
        )
        for page in ("/desk", "/account"):
            text = (await agent.get(page)).text
            assert "eyJ" not in text and API_KEY not in text, "neither the token nor the admin key reach a browser"
        assert all("eyJ" not in value for value in agent.cookies.values())


async def test_what_a_service_refuses_or_cannot_answer_is_a_readable_page(
    migrated_url: str, tmp_path: Path, gateway_url: str
) -> None:
    settings = console_settings(migrated_url, tmp_path / "console", api_key=API_KEY, gateway_url=gateway_url)
    async with running_console(settings) as console, console.client() as admin, console.client() as agent:
        with_probe(console)
        await sign_in(admin, "admin", console.admin_password())
        assert (await admin.get("/probe/deadletters")).json() == {"count": 0}
        password = generated_password(await create(admin, username="lan", agent_id="agent-lan"))
        await sign_in(agent, "lan", password)

        refused = await agent.get("/probe/deadletters")
        assert refused.status_code == 403
        assert "Cổng tích hợp từ chối: This needs one of the roles: admin, supervisor." in refused.text
        assert (
            await agent.post(
                "/account/language", data={"language": "en", "csrf_token": await form_token(agent, "/desk")}
            )
        ).status_code == 303
        in_english = await agent.get("/probe/deadletters", headers={"Accept": "application/json"})
        assert in_english.status_code == 403
        assert in_english.json()["detail"] == "The gateway refused: This needs one of the roles: admin, supervisor."

    down = console_settings(
        migrated_url, tmp_path / "console", api_key=API_KEY, gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running_console(down) as console, console.client() as admin:
        with_probe(console)
        assert (
            await sign_in(admin, "admin", (tmp_path / "console" / "console-admin.password").read_text().strip())
        ).status_code == 303, "signing in needs no service"
        unreachable = await admin.get("/probe/deadletters")
        assert unreachable.status_code == 503
        assert "Cổng tích hợp hiện không phản hồi." in unreachable.text


async def test_without_the_admin_key_the_console_says_so_instead_of_failing(console: Console) -> None:
    with_probe(console)
    async with console.client() as admin:
        await sign_in(admin, "admin", console.admin_password())
        answer = await admin.get("/probe/deadletters")
    assert answer.status_code == 503
    assert "chưa đặt CONSOLE_API_KEY" in answer.text


def test_a_service_error_names_the_service_and_the_refusal() -> None:
    error = ServiceError(service=Service.ROUTER, kind="refused", status=404, detail="x" * 1000)
    assert len(error.detail) == 300
    assert error.service is Service.ROUTER and error.status == 404


async def test_a_token_a_service_no_longer_takes_is_replaced_and_the_call_sent_again(
    migrated_url: str, tmp_path: Path, gateway_url: str
) -> None:
    settings = console_settings(migrated_url, tmp_path / "console", api_key=API_KEY, gateway_url=gateway_url)
    async with running_console(settings) as console:
        client = console.app.state.console.client
        renewed: list[str] = []

        async def renew() -> str:
            issued = await client.issue_token(role="supervisor", agent_id=None, subject="console:t", ttl_seconds=60)
            renewed.append(issued.token)
            return issued.token

        # As after the signing key changed: the held token no longer verifies.
        stale = Api(client, "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic3VwZXJ2aXNvciJ9.bm90LXNpZ25lZA", renew=renew)
        assert (await stale.get(Service.GATEWAY, "/v1/deadletters"))["items"] == []
        assert len(renewed) == 1
        assert (await stale.get(Service.GATEWAY, "/v1/deadletters"))["items"] == []
        assert len(renewed) == 1, "the new token is kept"
