"""Browser sessions: an opaque random cookie value, of which only the SHA-256 is stored, with its CSRF token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console import repository
from services.console.models import User

COOKIE = "console_session"
# Seeing a session again writes its last-seen time at most this often (not one write per page).
TOUCH_EVERY = timedelta(minutes=1)


def session_hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request's session cookie."""

    user: User
    session_hash: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Started:
    raw_id: str  # goes into the cookie, and nowhere else
    signed_in: SignedIn


class SessionStore:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], lifetime: timedelta) -> None:
        self._sessions = sessions
        self.lifetime = lifetime

    async def start(self, *, user: User, replacing: str | None) -> Started:
        """A new session for `user`; the browser's previous one (`replacing`, its raw cookie value) ends."""
        now = datetime.now(UTC)
        raw_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        expires_at = now + self.lifetime
        async with self._sessions.begin() as session:
            if replacing:
                await repository.delete_session(session, id_sha256=session_hash(replacing))
            await repository.delete_expired_sessions(session, now=now)
            await repository.add_session(
                session,
                id_sha256=session_hash(raw_id),
                user_id=user.id,
                csrf_token=csrf_token,
                now=now,
                expires_at=expires_at,
            )
        return Started(raw_id, SignedIn(user, session_hash(raw_id), csrf_token, expires_at))

    async def load(self, raw_id: str) -> SignedIn | None:
        """The signed-in user, or None when the session is unknown, expired, or its user disabled."""
        now = datetime.now(UTC)
        digest = session_hash(raw_id)
        async with self._sessions.begin() as session:
            found = await repository.find_session(session, id_sha256=digest)
            if found is None:
                return None
            browser, user = found
            if browser.expires_at <= now or user.disabled:
                await repository.delete_session(session, id_sha256=digest)
                return None
            if now - browser.last_seen_at >= TOUCH_EVERY:
                await repository.touch_session(session, id_sha256=digest, now=now)
        return SignedIn(user, digest, browser.csrf_token, browser.expires_at)

    async def end(self, session_hash_: str) -> None:
        async with self._sessions.begin() as session:
            await repository.delete_session(session, id_sha256=session_hash_)
