"""The facts threading needs about one message, looked up with a few indexed queries, then `threads.choose_case`.

Email headers are looked up among every message's `message_id_header` (the customer's mails and our own outbound
Message-IDs, so an answer to an acknowledgement finds its case), the provider conversation among `conversation_id`,
typed references among `cases.reference`; the customer's own open and recently resolved cases come last.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import repository
from case_service.domain import ACTIVE_STATUSES, CaseStatus
from case_service.models import Case
from case_service.threads import (
    AgentNoteScope,
    KnownCase,
    ThreadDecision,
    authentication_failure,
    choose_case,
    note_author_agent,
    references_in,
    uses_explicit_threading,
)
from shared.events import Channel, ComplaintMessageReceived

# A long References header lists the whole thread; its nearest ancestors are enough to find the case.
MAX_REFERENCES = 20


def normalized_message_id(value: str | None) -> str | None:
    """`<id@host>` whatever the adapter kept of the angle brackets and blanks; None when there is nothing."""
    if value is None:
        return None
    bare = value.strip().strip("<>").strip()
    return f"<{bare}>" if bare else None


async def decide(
    session: AsyncSession,
    *,
    data: ComplaintMessageReceived,
    customer_id: str,
    now: datetime,
    reopen_window: timedelta,
) -> ThreadDecision:
    """The case `data` joins, by the rules of `threads.choose_case`, for the (already identified) customer."""
    explicit = uses_explicit_threading(data.channel)
    in_reply_to = normalized_message_id(data.thread.in_reply_to)
    # References lists the oldest first: the nearest ancestor is the best witness of the thread.
    nearest = _unique(normalized_message_id(ref) for ref in reversed(data.thread.references[-MAX_REFERENCES:]))
    by_header = await repository.cases_by_message_id_header(session, headers=_unique([in_reply_to, *nearest]))

    conversation = None
    if data.thread.conversation_id and not explicit:
        held = await repository.cases_of_conversation(
            session, channel=data.channel, conversation_id=data.thread.conversation_id
        )
        conversation = best_of(held, customer_id=customer_id)

    subject_refs = references_in(data.subject)
    # Email and web thread on the subject's reference only: a reference quoted in a mail's body proves nothing.
    text_refs = () if explicit else references_in(data.text)
    by_reference = await repository.cases_by_reference(session, references=_unique([*subject_refs, *text_refs]))

    customer_cases: Sequence[KnownCase] = ()
    if not explicit:
        customer_cases = await repository.threadable_cases(
            session,
            customer_id=customer_id,
            # a call joins the caller's open case on any channel (threads.choose_case)
            channel=None if data.channel is Channel.PHONE else data.channel,
            resolved_since=now - reopen_window,
        )

    in_reply_case = best_of(by_header.get(in_reply_to, ()), customer_id=customer_id) if in_reply_to else None
    header_cases = _present(best_of(by_header.get(ref, ()), customer_id=customer_id) for ref in nearest)
    subject_cases = _present(by_reference.get(ref) for ref in subject_refs)
    text_cases = _present(by_reference.get(ref) for ref in text_refs)

    scope = await _agent_note_scope(
        session, data, [in_reply_case, conversation, *header_cases, *subject_cases, *text_cases, *customer_cases]
    )
    if scope is not None:
        in_reply_case, conversation = scope.keep_one(in_reply_case), scope.keep_one(conversation)
        header_cases, subject_cases = scope.keep(header_cases), scope.keep(subject_cases)
        text_cases, customer_cases = scope.keep(text_cases), scope.keep(customer_cases)

    decision = choose_case(
        channel=data.channel,
        customer_id=customer_id,
        now=now,
        reopen_window=reopen_window,
        in_reply_to=in_reply_case,
        referenced_by_headers=header_cases,
        conversation=conversation,
        subject_references=subject_cases,
        text_references=text_cases,
        customer_cases=customer_cases,
        authentication_failed=authentication_failure(data.metadata),
    )
    return scope.explain(decision) if scope is not None else decision


async def _agent_note_scope(
    session: AsyncSession, data: ComplaintMessageReceived, candidates: Iterable[KnownCase | None]
) -> AgentNoteScope | None:
    """For a phone note an agent wrote, the rule that keeps it to that agent's cases, with their assignees loaded."""
    agent_id = note_author_agent(data.metadata) if data.channel is Channel.PHONE else None
    if agent_id is None:
        return None
    case_ids = list({case.case_id for case in candidates if case is not None})
    rows = await session.execute(select(Case.id, Case.assignee_agent_id).where(Case.id.in_(case_ids)))
    return AgentNoteScope(agent_id=agent_id, assignees={row.id: row.assignee_agent_id for row in rows})


_STANDING = {CaseStatus.RESOLVED: 1, CaseStatus.CLOSED: 0, **{status: 2 for status in ACTIVE_STATUSES}}


def best_of(cases: Iterable[KnownCase], *, customer_id: str) -> KnownCase | None:
    """Of the cases one header or conversation points at, the one the message most plausibly continues: the
    customer's own before another's, a case still being worked on before a finished one, then the latest."""
    return max(
        cases,
        key=lambda case: (case.customer_id == customer_id, _STANDING[case.status], case.updated_at),
        default=None,
    )


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _present(cases: Iterable[KnownCase | None]) -> list[KnownCase]:
    found: dict[str, KnownCase] = {}
    for case in cases:
        if case is not None:
            found.setdefault(case.case_id, case)
    return list(found.values())
