"""The complaint lifecycle: which status an action leads to, and which actions a status refuses.

new --assign/reply--> open --await_customer--> pending_customer --customer_message--> open
new/open/pending_customer --resolve--> resolved --reopen / customer_message (within the window)--> open
anything but closed --close--> closed (final)
"""

from __future__ import annotations

from enum import StrEnum

from case_service.domain import CaseStatus


class CaseAction(StrEnum):
    ASSIGN = "assign"
    CUSTOMER_MESSAGE = "customer_message"
    REPLY = "reply"
    AWAIT_CUSTOMER = "await_customer"
    NOTE = "note"
    RECLASSIFY = "reclassify"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    SPLIT = "split"
    MOVE = "move"


class IllegalTransition(Exception):
    """`action` is not allowed while the case is `status` (answered 409)."""

    def __init__(self, status: CaseStatus, action: CaseAction, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.action = action
        self.message = message


_NEW, _OPEN, _PENDING, _RESOLVED, _CLOSED = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.PENDING_CUSTOMER,
    CaseStatus.RESOLVED,
    CaseStatus.CLOSED,
)
_ACTIVE = (_NEW, _OPEN, _PENDING)

# action -> {status it is allowed in: the status it leads to}; a status left out refuses the action.
_TABLE: dict[CaseAction, dict[CaseStatus, CaseStatus]] = {
    CaseAction.ASSIGN: {_NEW: _OPEN, _OPEN: _OPEN, _PENDING: _PENDING, _RESOLVED: _RESOLVED, _CLOSED: _CLOSED},
    # A resolved case hears from its customer only within the reopen window (threading decides): it reopens.
    CaseAction.CUSTOMER_MESSAGE: {_NEW: _NEW, _OPEN: _OPEN, _PENDING: _OPEN, _RESOLVED: _OPEN},
    CaseAction.REPLY: {_NEW: _OPEN, _OPEN: _OPEN, _PENDING: _PENDING, _RESOLVED: _RESOLVED},
    CaseAction.AWAIT_CUSTOMER: {_NEW: _PENDING, _OPEN: _PENDING, _PENDING: _PENDING},
    CaseAction.NOTE: {status: status for status in CaseStatus},
    CaseAction.RECLASSIFY: {status: status for status in (*_ACTIVE, _RESOLVED)},
    CaseAction.ESCALATE: {status: status for status in _ACTIVE},
    CaseAction.SPLIT: {status: status for status in _ACTIVE},
    CaseAction.MOVE: {status: status for status in _ACTIVE},
    CaseAction.RESOLVE: {status: _RESOLVED for status in _ACTIVE},
    CaseAction.REOPEN: {_RESOLVED: _OPEN},
    CaseAction.CLOSE: {status: _CLOSED for status in (*_ACTIVE, _RESOLVED)},
}

_WHY: dict[CaseAction, str] = {
    CaseAction.CUSTOMER_MESSAGE: "a closed case takes no more messages; a new one opens instead",
    CaseAction.REPLY: "a closed case takes no more replies",
    CaseAction.AWAIT_CUSTOMER: "only a new or open case can wait on the customer",
    CaseAction.RECLASSIFY: "a closed case cannot be reclassified",
    CaseAction.ESCALATE: "only a case still being worked on can be escalated",
    CaseAction.SPLIT: "messages can only be split off a case still being worked on",
    CaseAction.MOVE: "messages can only be moved off a case still being worked on",
    CaseAction.RESOLVE: "only a case still being worked on can be resolved",
    CaseAction.REOPEN: "only a resolved case can be reopened (a closed case is final)",
    CaseAction.CLOSE: "the case is already closed",
}


def next_status(status: CaseStatus, action: CaseAction) -> CaseStatus:
    """The status after `action`; raises IllegalTransition when the status does not allow it."""
    status, action = CaseStatus(status), CaseAction(action)
    allowed = _TABLE[action]
    if status not in allowed:
        why = _WHY.get(action, "not allowed")
        raise IllegalTransition(status, action, f"{action.value} is not allowed on a {status.value} case: {why}")
    return allowed[status]


def is_allowed(status: CaseStatus, action: CaseAction) -> bool:
    return CaseStatus(status) in _TABLE[CaseAction(action)]


def sla_paused(status: CaseStatus) -> bool:
    """The SLA clocks stand still while the case waits on the customer."""
    return status == CaseStatus.PENDING_CUSTOMER


def sla_running(status: CaseStatus) -> bool:
    """The SLA clocks run while the case is in the agents' hands (new or open)."""
    return status in (CaseStatus.NEW, CaseStatus.OPEN)
