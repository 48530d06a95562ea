"""Signing in: the throttle first, then the password; the same answer for an unknown user and a wrong password."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console import passwords, repository
from services.console.models import User
from services.console.throttle import Blocked, ThrottlePolicy, account_key, address_key, blocked


@dataclass(frozen=True)
class Accepted:
    user: User


@dataclass(frozen=True)
class Refused:
    """Unknown user, wrong password or disabled account: deliberately one answer."""


@dataclass(frozen=True)
class Throttled:
    blocked: Blocked


Outcome = Accepted | Refused | Throttled


async def sign_in(
    sessions: async_sessionmaker[AsyncSession], *, policy: ThrottlePolicy, username: str, password: str, address: str
) -> Outcome:
    now = datetime.now(UTC)
    account, client = account_key(username), address_key(address)
    async with sessions() as session:
        account_failures, address_failures = await repository.failures_since(
            session,
            account=account,
            address=client,
            since=now - policy.window,
            limit=max(policy.max_failures, policy.max_failures_per_address),
        )
        user = await repository.find_user(session, username=username)
    wait = blocked(policy, account_failures=account_failures, address_failures=address_failures, now=now)
    if wait is not None:
        return Throttled(wait)
    # Argon2 takes tens of milliseconds of CPU on purpose: off the event loop.
    if user is None:
        await asyncio.to_thread(passwords.verify_nobody, password)
        matches = False
    else:
        matches = await asyncio.to_thread(passwords.verify_password, user.password_hash, password)
    async with sessions.begin() as session:
        if user is None or not matches or user.disabled:
            await repository.add_failed_login(session, account=account, address=client, now=now)
            await repository.purge_failed_logins(session, before=now - policy.window)
            return Refused()
        await repository.forget_account_failures(session, account=account)
        if passwords.needs_rehash(user.password_hash):
            stored = await repository.get_user(session, user_id=user.id)
            if stored is not None:
                stored.password_hash = await asyncio.to_thread(passwords.hash_password, password)
    return Accepted(user)
