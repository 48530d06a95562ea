"""The live stream's notices: what just changed on a case (a message, a delivery report, an SLA signal, its status,
assignee or classification) and recurring-problem alerts, told to this process's listeners only once the transaction
that made the change commits.

An agent's listener hears only of the cases assigned to that agent (as of the change); a supervisor's or admin's hears
everything, alerts included. Each listener has a bounded queue: one that falls that far behind is dropped (its stream
ends; the client reconnects and re-reads what it shows), so a slow reader never grows this process's memory.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from case_service.models import Case, Message
from shared.db import as_utc

PREVIEW_CHARS = 200
NOTICES = "live_notices"  # session.info: [(transaction, Notice)] collected until the commit
BROADCASTER = "live_broadcaster"  # session.info: this app's Broadcaster (set on the session factory)

MESSAGE_ADDED = "message.added"
DELIVERY_UPDATED = "delivery.updated"
SLA_AT_RISK = "sla.at_risk"
SLA_BREACHED = "sla.breached"
CASE_UPDATED = "case.updated"
ALERT_RAISED = "alert.raised"
ALERT_UPDATED = "alert.updated"

CUSTOMER, AGENT, SYSTEM = "customer", "agent", "system"  # who wrote a message


@dataclass(frozen=True)
class Notice:
    kind: str  # the SSE event name
    data: dict[str, Any]  # JSON-ready
    agent_id: str | None  # the agent holding the case; None: staff only
    # of notices with one key in a transaction only the last is told (a case's status moving twice in one action)
    key: str | None = None


# Notices about a case ---------------------------------------------------------------------------------------------


def message_added(session: AsyncSession, *, case: Case, message: Message, author: str) -> None:
    """A customer's message on the case, or a message we sent (an agent's reply: `agent`; automatic: `system`)."""
    notify(
        session,
        Notice(
            MESSAGE_ADDED,
            {
                "case_id": case.id,
                "message_id": message.id,
                "channel": message.channel,
                "direction": message.direction,
                "author": author,
                "preview": message.text[:PREVIEW_CHARS],
                "occurred_at": iso(message.received_at),
            },
            case.assignee_agent_id,
        ),
    )


def delivery_updated(session: AsyncSession, *, case: Case, message: Message, at: datetime) -> None:
    data = {"case_id": case.id, "message_id": message.id, "status": message.delivery_status, "occurred_at": iso(at)}
    notify(session, Notice(DELIVERY_UPDATED, data, case.assignee_agent_id))


def sla_signal(session: AsyncSession, *, case: Case, breached: bool, clock: str, due_at: datetime) -> None:
    kind = SLA_BREACHED if breached else SLA_AT_RISK
    data = {"case_id": case.id, "clock": clock, "due_at": iso(due_at)}
    notify(session, Notice(kind, data, case.assignee_agent_id))


def case_updated(session: AsyncSession, *, case: Case) -> None:
    """The case's status, assignee, category or priority changed (the listener re-reads the case for the rest)."""
    data = {"case_id": case.id, "status": case.status, "assignee_agent_id": case.assignee_agent_id}
    notify(session, Notice(CASE_UPDATED, data, case.assignee_agent_id, key=f"{CASE_UPDATED}:{case.id}"))


def alert(session: AsyncSession, *, kind: str, data: dict[str, Any]) -> None:
    """A recurring-problem alert raised or changed: supervisors and admins only."""
    notify(session, Notice(kind, data, None, key=f"{kind}:{data['alert_id']}"))


# Told after the commit --------------------------------------------------------------------------------------------


def notify(session: AsyncSession, notice: Notice) -> None:
    """Keep `notice` for the listeners until the transaction commits; forget it if it (or its savepoint) rolls
    back."""
    sync = session.sync_session
    pending = sync.info.get(NOTICES)
    if pending is None:
        pending = sync.info[NOTICES] = []
        event.listen(sync, "after_commit", _publish)
        event.listen(sync, "after_soft_rollback", _forget)
    pending.append((sync.get_nested_transaction() or sync.get_transaction(), notice))


def _publish(session: Session) -> None:
    pending: list[tuple[SessionTransaction | None, Notice]] = session.info.get(NOTICES, [])
    notices = [notice for _, notice in pending]
    pending.clear()
    broadcaster = session.info.get(BROADCASTER)
    if not isinstance(broadcaster, Broadcaster):
        return
    last_of_key = {notice.key: index for index, notice in enumerate(notices) if notice.key is not None}
    for index, notice in enumerate(notices):
        if notice.key is None or last_of_key[notice.key] == index:
            broadcaster.publish(notice)


def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    """Drop the notices of the transaction that rolled back and of the savepoints inside it."""
    pending: list[tuple[SessionTransaction | None, Notice]] = session.info.get(NOTICES, [])
    pending[:] = [(tx, notice) for tx, notice in pending if not _within(tx, previous_transaction)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


# Listeners ----------------------------------------------------------------------------------------------------------

_DROPPED = None  # what a dropped listener's queue ends with


@dataclass(eq=False)
class Listener:
    """One open stream: `agent_id` scopes it to that agent's cases; None hears everything."""

    agent_id: str | None
    queue: asyncio.Queue[Notice | None]  # None, last: the listener was dropped


class Broadcaster:
    """Fan-out of committed notices to this process's listeners, each with a queue of at most `queue_size`."""

    def __init__(self, *, queue_size: int) -> None:
        self._queue_size = queue_size
        self._agents: defaultdict[str, set[Listener]] = defaultdict(set)
        self._staff: set[Listener] = set()

    def publish(self, notice: Notice) -> None:
        agents = self._agents.get(notice.agent_id, set()) if notice.agent_id is not None else set()
        for listener in [*self._staff, *agents]:
            try:
                listener.queue.put_nowait(notice)
            except asyncio.QueueFull:
                self._drop(listener)

    @asynccontextmanager
    async def subscribe(self, agent_id: str | None) -> AsyncIterator[Listener]:
        listener = Listener(agent_id, asyncio.Queue(self._queue_size))
        self._listeners_of(agent_id).add(listener)
        try:
            yield listener
        finally:
            self._forget(listener)

    def listening(self) -> int:
        """How many listeners are connected (staff and agents)."""
        return len(self._staff) + sum(len(listeners) for listeners in self._agents.values())

    def _drop(self, listener: Listener) -> None:
        """The listener is too far behind: it is told so in place of its oldest notice, and hears nothing more."""
        self._forget(listener)
        listener.queue.get_nowait()
        listener.queue.put_nowait(_DROPPED)

    def _listeners_of(self, agent_id: str | None) -> set[Listener]:
        return self._staff if agent_id is None else self._agents[agent_id]

    def _forget(self, listener: Listener) -> None:
        if listener.agent_id is None:
            self._staff.discard(listener)
            return
        listeners = self._agents.get(listener.agent_id)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._agents[listener.agent_id]


def sse(notice: Notice) -> str:
    """One Server-Sent Events message; the JSON has no raw line breaks, so no text can end it early."""
    return f"event: {notice.kind}\ndata: {json.dumps(notice.data, separators=(',', ':'))}\n\n"


def iso(value: datetime) -> str:
    """An instant as the HTTP API writes it: ISO 8601 in UTC with `Z`."""
    return as_utc(value).isoformat().replace("+00:00", "Z")
