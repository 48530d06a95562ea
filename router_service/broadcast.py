"""Live changes per agent (offers, assignments) for the agents' event streams, within this process."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

QUEUE_SIZE = 100
NOTICES = "agent_notices"  # session.info: (agent id, kind, data) collected by the transaction
BROADCASTER = "broadcaster"  # session.info: the Broadcaster of this app (set on the session factory)


def notify(session: AsyncSession, agent_id: str, kind: str, data: dict[str, Any]) -> None:
    """Note a change for the agent's live stream, published once (and only if) the transaction commits."""
    notices = session.info.get(NOTICES)
    if notices is None:
        notices = session.info[NOTICES] = []
        event.listen(session.sync_session, "after_commit", _publish, once=True)
        event.listen(session.sync_session, "after_soft_rollback", _forget, once=True)
    notices.append((agent_id, kind, data))


def _publish(session: Session) -> None:
    notices = session.info.pop(NOTICES, [])
    broadcaster = session.info.get(BROADCASTER)
    if isinstance(broadcaster, Broadcaster):
        for agent_id, kind, data in notices:
            broadcaster.publish(agent_id, kind, data)


def _forget(session: Session, previous_transaction: object) -> None:
    session.info.pop(NOTICES, None)


class Broadcaster:
    """Fan-out of notices to the agent's subscribers. Fed after commit, so a subscriber never sees a rolled-back change;
    a slow subscriber loses notices beyond QUEUE_SIZE and can re-read the offers and assignments."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[tuple[str, dict[str, Any]]]]] = defaultdict(set)

    def publish(self, agent_id: str, kind: str, data: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(agent_id, ())):
            try:
                queue.put_nowait((kind, data))
            except asyncio.QueueFull:
                pass

    @asynccontextmanager
    async def subscribe(self, agent_id: str) -> AsyncIterator[asyncio.Queue[tuple[str, dict[str, Any]]]]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[agent_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[agent_id].discard(queue)
            if not self._subscribers[agent_id]:
                del self._subscribers[agent_id]


def sse(kind: str, data: dict[str, Any]) -> str:
    """One Server-Sent Events message."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
