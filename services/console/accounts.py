"""Changes to users: an admin creates, disables, enables and resets them; a user changes their own password."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console import passwords, repository
from services.console.domain import NewUser, user_problems
from services.console.models import User
from shared.tokens import Role


class AccountRefused(Exception):
    """A change that is not allowed; `keys` are catalogue keys saying why."""

    def __init__(self, *keys: str) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


@dataclass(frozen=True)
class WithPassword:
    """A user and the password generated for them, to be shown once; the sessions (hashes) that were ended."""

    user: User
    password: str
    ended_sessions: tuple[str, ...] = ()


async def create_user(sessions: async_sessionmaker[AsyncSession], new: NewUser) -> WithPassword:
    problems = user_problems(new)
    if problems:
        raise AccountRefused(*problems)
    password = passwords.generate_password()
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    try:
        async with sessions.begin() as session:
            if await repository.find_user(session, username=new.username) is not None:
                raise AccountRefused("user.username_taken")
            user = await repository.add_user(session, new=new, password_hash=password_hash, now=datetime.now(UTC))
    except IntegrityError:  # created at the same moment by someone else
        raise AccountRefused("user.username_taken") from None
    return WithPassword(user, password)


async def reset_password(sessions: async_sessionmaker[AsyncSession], *, user_id: int) -> WithPassword:
    """A new generated password; every session of the user ends."""
    password = passwords.generate_password()
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    async with sessions.begin() as session:
        user = await _existing(session, user_id)
        user.password_hash = password_hash
        user.password_changed_at = datetime.now(UTC)
        ended = await repository.delete_user_sessions(session, user_id=user_id)
    return WithPassword(user, password, tuple(ended))


async def set_disabled(
    sessions: async_sessionmaker[AsyncSession], *, user_id: int, disabled: bool, by: User
) -> tuple[User, list[str]]:
    """Disable (ending every session, whose hashes are returned) or enable a user; nobody disables themselves or
    the last admin."""
    async with sessions.begin() as session:
        user = await _existing(session, user_id)
        if disabled and user.id == by.id:
            raise AccountRefused("user.cannot_disable_self")
        if disabled and user.role == Role.ADMIN.value and not user.disabled:
            if await repository.count_enabled_admins(session) <= 1:
                raise AccountRefused("user.cannot_disable_last_admin")
        user.disabled = disabled
        ended = await repository.delete_user_sessions(session, user_id=user_id) if disabled else []
    return user, ended


async def change_password(
    sessions: async_sessionmaker[AsyncSession], *, user: User, current: str, new: str, confirm: str
) -> list[str]:
    """The user's own change: the current password first. Every session of the user ends (their hashes are
    returned); the caller starts a new one for the browser that asked."""
    if not await asyncio.to_thread(passwords.verify_password, user.password_hash, current):
        raise AccountRefused("password.current_wrong")
    if new != confirm:
        raise AccountRefused("password.mismatch")
    weakness = passwords.weakness(new, username=user.username)
    if weakness is not None:
        raise AccountRefused(f"password.{weakness}")
    password_hash = await asyncio.to_thread(passwords.hash_password, new)
    async with sessions.begin() as session:
        stored = await _existing(session, user.id)
        stored.password_hash = password_hash
        stored.password_changed_at = datetime.now(UTC)
        return await repository.delete_user_sessions(session, user_id=user.id)


async def set_language(sessions: async_sessionmaker[AsyncSession], *, user_id: int, language: str) -> None:
    async with sessions.begin() as session:
        user = await _existing(session, user_id)
        user.language = language


async def _existing(session: AsyncSession, user_id: int) -> User:
    user = await repository.get_user(session, user_id=user_id)
    if user is None:
        raise AccountRefused("user.not_found")
    return user
