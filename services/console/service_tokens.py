"""Each signed-in session's access token: obtained from the gateway with that user's role and agent id, kept in this
process only (never sent to the browser, never written down), renewed before it expires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.console.services_client import IssuedToken, ServicesClient
from services.console.sessions import SignedIn
from shared.tokens import Role

# The gateway's shortest lifetime.
MIN_TTL = timedelta(minutes=1)


class TokenKeeper:
    def __init__(self, client: ServicesClient, *, lifetime: timedelta) -> None:
        self._client = client
        self._lifetime = lifetime
        self._tokens: dict[str, IssuedToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def token_for(self, signed_in: SignedIn) -> str:
        """The session's token; a new one when there is none or a quarter of its lifetime is left."""
        key = signed_in.session_hash
        async with self._locks.setdefault(key, asyncio.Lock()):
            held = self._tokens.get(key)
            now = datetime.now(UTC)
            if held is None or held.expires_at - now < self._lifetime / 4:
                self._drop_lapsed(now)
                held = self._tokens[key] = await self._issue(signed_in, now)
            return held.token

    def forget(self, session_hash: str) -> None:
        """The session ended: its token is dropped (it lapses by itself at the services)."""
        self._tokens.pop(session_hash, None)
        self._locks.pop(session_hash, None)

    def forget_all(self, session_hashes: list[str] | tuple[str, ...]) -> None:
        for session_hash in session_hashes:
            self.forget(session_hash)

    def _drop_lapsed(self, now: datetime) -> None:
        """Tokens of sessions that simply expired (nobody signed out) are dropped when the next one is issued."""
        for key in [key for key, held in self._tokens.items() if held.expires_at <= now]:
            self._tokens.pop(key, None)
            self._locks.pop(key, None)

    async def _issue(self, signed_in: SignedIn, now: datetime) -> IssuedToken:
        user = signed_in.user
        # Never outlives the session it belongs to.
        ttl = max(min(self._lifetime, signed_in.expires_at - now), MIN_TTL)
        return await self._client.issue_token(
            role=user.role,
            agent_id=user.agent_id if user.role == Role.AGENT.value else None,
            subject=f"console:{user.username}",
            ttl_seconds=int(ttl.total_seconds()),
        )
