"""Queries on the console's tables; an AsyncSession is passed in, the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.console.domain import NewUser, username_key
from services.console.models import BrowserSession, FailedLogin, Preference, User
from shared.tokens import Role

# --- users


async def find_user(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username_key == username_key(username)))


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.scalars(select(User).order_by(User.username_key))).all()


async def add_user(session: AsyncSession, *, new: NewUser, password_hash: str, now: datetime) -> User:
    user = User(
        username=new.username,
        username_key=username_key(new.username),
        display_name=new.display_name.strip(),
        role=new.role.value,
        language=new.language,
        team=new.team,
        agent_id=new.agent_id,
        password_hash=password_hash,
        disabled=False,
        password_changed_at=now,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def count_enabled_admins(session: AsyncSession) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.disabled.is_(False))
    return int(await session.scalar(query) or 0)


async def admin_exists(session: AsyncSession) -> bool:
    return await session.scalar(select(User.id).where(User.role == Role.ADMIN.value).limit(1)) is not None


# --- sessions


async def add_session(
    session: AsyncSession, *, id_sha256: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
) -> None:
    session.add(
        BrowserSession(
            id_sha256=id_sha256,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


async def find_session(session: AsyncSession, *, id_sha256: str) -> tuple[BrowserSession, User] | None:
    query = select(BrowserSession, User).join(User, User.id == BrowserSession.user_id)
    row = (await session.execute(query.where(BrowserSession.id_sha256 == id_sha256))).first()
    return (row[0], row[1]) if row is not None else None


async def touch_session(session: AsyncSession, *, id_sha256: str, now: datetime) -> None:
    await session.execute(update(BrowserSession).where(BrowserSession.id_sha256 == id_sha256).values(last_seen_at=now))


async def delete_session(session: AsyncSession, *, id_sha256: str) -> None:
    await session.execute(delete(BrowserSession).where(BrowserSession.id_sha256 == id_sha256))


async def delete_user_sessions(session: AsyncSession, *, user_id: int) -> list[str]:
    """End every session of the user; the ids (hashes) that were ended."""
    ended = (await session.scalars(select(BrowserSession.id_sha256).where(BrowserSession.user_id == user_id))).all()
    await session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))
    return list(ended)


async def delete_expired_sessions(session: AsyncSession, *, now: datetime) -> None:
    await session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))


# --- failed logins


async def add_failed_login(session: AsyncSession, *, account: str, address: str, now: datetime) -> None:
    session.add(FailedLogin(account_sha256=account, address_sha256=address, failed_at=now))


async def failures_since(
    session: AsyncSession, *, account: str, address: str, since: datetime, limit: int
) -> tuple[list[datetime], list[datetime]]:
    """The times of the latest `limit` failures for the account and from the address after `since`."""

    async def times(column: Any, value: str) -> list[datetime]:
        query = select(FailedLogin.failed_at).where(column == value, FailedLogin.failed_at > since)
        return list((await session.scalars(query.order_by(FailedLogin.failed_at.desc()).limit(limit))).all())

    return await times(FailedLogin.account_sha256, account), await times(FailedLogin.address_sha256, address)


async def forget_account_failures(session: AsyncSession, *, account: str) -> None:
    await session.execute(delete(FailedLogin).where(FailedLogin.account_sha256 == account))


async def purge_failed_logins(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(FailedLogin).where(FailedLogin.failed_at <= before))


# --- preferences


async def get_preference(session: AsyncSession, *, user_id: int, key: str) -> Any:
    row = await session.get(Preference, (user_id, key))
    return row.value if row is not None else None


async def get_preferences(session: AsyncSession, *, user_id: int, prefix: str = "") -> dict[str, Any]:
    query = select(Preference).where(Preference.user_id == user_id)
    if prefix:
        query = query.where(Preference.key.startswith(prefix, autoescape=True))
    return {row.key: row.value for row in (await session.scalars(query)).all()}


async def put_preference(session: AsyncSession, *, user_id: int, key: str, value: Any, now: datetime) -> None:
    row = await session.get(Preference, (user_id, key))
    if row is None:
        session.add(Preference(user_id=user_id, key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now


async def get_preferences_for(session: AsyncSession, *, user_id: int, keys: Sequence[str]) -> dict[str, Any]:
    """The user's preferences among `keys` (those set)."""
    if not keys:
        return {}
    query = select(Preference).where(Preference.user_id == user_id, Preference.key.in_(list(keys)))
    return {row.key: row.value for row in (await session.scalars(query)).all()}
