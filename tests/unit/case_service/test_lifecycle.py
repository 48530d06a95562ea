"""The lifecycle table: every action in every status, and what each refusal tells the agent."""

from __future__ import annotations

import pytest

from case_service.domain import CaseStatus
from case_service.lifecycle import CaseAction, IllegalTransition, is_allowed, next_status, sla_paused, sla_running

NEW, OPEN, PENDING, RESOLVED, CLOSED = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.PENDING_CUSTOMER,
    CaseStatus.RESOLVED,
    CaseStatus.CLOSED,
)
A = CaseAction
ILLEGAL = None

# action -> the status after it from (new, open, pending_customer, resolved, closed); None = refused
TABLE: dict[CaseAction, tuple[CaseStatus | None, ...]] = {
    A.ASSIGN: (OPEN, OPEN, PENDING, RESOLVED, CLOSED),
    A.CUSTOMER_MESSAGE: (NEW, OPEN, OPEN, OPEN, ILLEGAL),
    A.REPLY: (OPEN, OPEN, PENDING, RESOLVED, ILLEGAL),
    A.AWAIT_CUSTOMER: (PENDING, PENDING, PENDING, ILLEGAL, ILLEGAL),
    A.NOTE: (NEW, OPEN, PENDING, RESOLVED, CLOSED),
    A.RECLASSIFY: (NEW, OPEN, PENDING, RESOLVED, ILLEGAL),
    A.ESCALATE: (NEW, OPEN, PENDING, ILLEGAL, ILLEGAL),
    A.RESOLVE: (RESOLVED, RESOLVED, RESOLVED, ILLEGAL, ILLEGAL),
    A.REOPEN: (ILLEGAL, ILLEGAL, ILLEGAL, OPEN, ILLEGAL),
    A.CLOSE: (CLOSED, CLOSED, CLOSED, CLOSED, ILLEGAL),
    A.SPLIT: (NEW, OPEN, PENDING, ILLEGAL, ILLEGAL),
    A.MOVE: (NEW, OPEN, PENDING, ILLEGAL, ILLEGAL),
}
CASES = [
    (status, action, after)
    for action, row in TABLE.items()
    for status, after in zip((NEW, OPEN, PENDING, RESOLVED, CLOSED), row, strict=True)
]


def test_the_table_covers_every_action() -> None:
    assert set(TABLE) == set(CaseAction)
    assert {action.value for action in CaseAction} == {
        "assign",
        "customer_message",
        "reply",
        "await_customer",
        "note",
        "reclassify",
        "escalate",
        "resolve",
        "reopen",
        "close",
        "split",
        "move",
    }


@pytest.mark.parametrize(("status", "action", "after"), [case for case in CASES if case[2] is not None])
def test_allowed_transitions(status: CaseStatus, action: CaseAction, after: CaseStatus) -> None:
    assert next_status(status, action) is after
    assert is_allowed(status, action)


@pytest.mark.parametrize(("status", "action"), [case[:2] for case in CASES if case[2] is None])
def test_illegal_transitions(status: CaseStatus, action: CaseAction) -> None:
    assert not is_allowed(status, action)
    with pytest.raises(IllegalTransition) as raised:
        next_status(status, action)
    assert raised.value.status is status
    assert raised.value.action is action
    assert status.value in raised.value.message
    assert str(raised.value) == raised.value.message


def test_a_closed_case_is_final() -> None:
    with pytest.raises(IllegalTransition, match="closed case is final"):
        next_status(CLOSED, A.REOPEN)
    with pytest.raises(IllegalTransition, match="already closed"):
        next_status(CLOSED, A.CLOSE)


def test_plain_strings_are_accepted() -> None:
    assert next_status("pending_customer", "customer_message") is OPEN  # type: ignore[arg-type]


def test_a_typical_life() -> None:
    status = NEW
    for action in (A.ASSIGN, A.REPLY, A.AWAIT_CUSTOMER, A.CUSTOMER_MESSAGE, A.RESOLVE, A.CUSTOMER_MESSAGE, A.RESOLVE):
        status = next_status(status, action)
    assert status is RESOLVED
    assert next_status(status, A.CLOSE) is CLOSED


@pytest.mark.parametrize(
    ("status", "paused", "running"),
    [(NEW, False, True), (OPEN, False, True), (PENDING, True, False), (RESOLVED, False, False), (CLOSED, False, False)],
)
def test_sla_clock_follows_the_status(status: CaseStatus, paused: bool, running: bool) -> None:
    assert sla_paused(status) is paused
    assert sla_running(status) is running
