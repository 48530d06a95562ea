"""Preferences: a user's own values under keys (what the screens remember, e.g. when each case was last seen),
never another user's, replaced in place, read back by prefix."""

from __future__ import annotations

from datetime import UTC, datetime

from services.console import repository
from tests.integration.console.support import Console, create, generated_password, sign_in


async def test_each_user_reads_back_only_their_own_preferences(console: Console) -> None:
    async with console.client() as admin:
        await sign_in(admin, "admin", console.admin_password())
        generated_password(await create(admin, username="lan", agent_id="agent-lan"))
    db = console.app.state.console.db
    async with db() as session:
        admin_user = await repository.find_user(session, username="admin")
        lan = await repository.find_user(session, username="LAN")
    assert admin_user is not None and lan is not None
    now = datetime.now(UTC)
    async with db.begin() as session:
        await repository.put_preference(
            session, user_id=lan.id, key="seen:case-1", value="2026-12-02T09:00:00Z", now=now
        )
        await repository.put_preference(session, user_id=lan.id, key="seen:case_2", value={"at": 1}, now=now)
        await repository.put_preference(session, user_id=lan.id, key="desk.filter", value=["open"], now=now)
        await repository.put_preference(session, user_id=admin_user.id, key="seen:case-1", value="other", now=now)
    async with db.begin() as session:
        await repository.put_preference(
            session, user_id=lan.id, key="seen:case-1", value="2026-12-02T10:00:00Z", now=now
        )
    async with db() as session:
        assert await repository.get_preferences(session, user_id=lan.id, prefix="seen:") == {
            "seen:case-1": "2026-12-02T10:00:00Z",
            "seen:case_2": {"at": 1},
        }
        assert await repository.get_preferences(session, user_id=lan.id, prefix="seen:case_") == {
            "seen:case_2": {"at": 1}
        }, "the prefix is literal: _ is not a wildcard"
        assert await repository.get_preference(session, user_id=lan.id, key="desk.filter") == ["open"]
        assert await repository.get_preference(session, user_id=admin_user.id, key="seen:case-1") == "other"
        assert await repository.get_preference(session, user_id=lan.id, key="nothing") is None
