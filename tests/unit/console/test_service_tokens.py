"""The token keeper: one token per session, asked for with that user's role and agent id, reused while it has time
left, renewed when a quarter of its lifetime is left, never longer-lived than the session, dropped at sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.console.models import User
from services.console.service_tokens import TokenKeeper
from services.console.services_client import IssuedToken
from services.console.sessions import SignedIn


class Gateway:
    """Stands in for the services client: issues numbered tokens valid for what was asked."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    async def issue_token(self, **request: Any) -> IssuedToken:
        self.asked.append(request)
        expires_at = datetime.now(UTC) + timedelta(seconds=request["ttl_seconds"])
        return IssuedToken(token=f"token-{len(self.asked)}", expires_at=expires_at)


def session_of(username: str, role: str, agent_id: str | None, *, hours: float = 12) -> SignedIn:
    user = User(id=1, username=username, role=role, agent_id=agent_id)
    expires_at = datetime.now(UTC) + timedelta(hours=hours)
    return SignedIn(user=user, session_hash=f"hash-{username}", csrf_token="csrf", expires_at=expires_at)


async def test_a_session_keeps_its_token_and_each_session_has_its_own() -> None:
    gateway = Gateway()
    keeper = TokenKeeper(gateway, lifetime=timedelta(minutes=60))  # type: ignore[arg-type]
    lan, hoa = session_of("lan", "agent", "agent-lan"), session_of("hoa", "supervisor", None)
    assert await keeper.token_for(lan) == await keeper.token_for(lan) == "token-1"
    assert await keeper.token_for(hoa) == "token-2"
    assert gateway.asked == [
        {"role": "agent", "agent_id": "agent-lan", "subject": "console:lan", "ttl_seconds": 3600},
        {"role": "supervisor", "agent_id": None, "subject": "console:hoa", "ttl_seconds": 3600},
    ]


async def test_a_token_never_outlives_its_session_and_is_renewed_near_its_end() -> None:
    gateway = Gateway()
    keeper = TokenKeeper(gateway, lifetime=timedelta(minutes=60))  # type: ignore[arg-type]
    ending = session_of("lan", "agent", "agent-lan", hours=0.25)  # 15 minutes left
    assert await keeper.token_for(ending) == "token-1"
    assert 895 <= gateway.asked[0]["ttl_seconds"] <= 900
    # 15 minutes is a quarter of the token lifetime: not enough left, so the next call asks again.
    assert await keeper.token_for(ending) == "token-2"


async def test_a_session_that_ended_gets_a_new_token_if_it_ever_comes_back() -> None:
    gateway = Gateway()
    keeper = TokenKeeper(gateway, lifetime=timedelta(minutes=60))  # type: ignore[arg-type]
    lan = session_of("lan", "agent", "agent-lan")
    await keeper.token_for(lan)
    keeper.forget(lan.session_hash)
    assert await keeper.token_for(lan) == "token-2"
