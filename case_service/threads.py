"""Threading: which case a customer's message belongs to, and the reason, in words, shown on the case timeline.

Only the sender's own cases count (sender scoping): a mail forwarded by someone else that quotes another customer's
case never joins it. A closed case is never appended to, and a resolved one reopens only within the reopen window.

Sender authentication (email): a From can be forged and a case reference guessed, so a mail whose sender failed
authentication (the ingest's verdict `fail`: an SPF fail, DKIM fail or DMARC fail for the From's domain, with no
pass) never joins a case by a typed reference; it opens a new case and the timeline says why (`thread_refused`).
In-Reply-To and References to our own Message-IDs still thread it: those ids are unguessable. A mail with no verdict
either way (`none`: the domain publishes nothing, or nobody checked) threads by reference as before, which sender
scoping already limits to cases of the customer its From belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from case_service.domain import ACTIVE_STATUSES, CaseStatus
from shared.events import Channel

CASE_REFERENCE = re.compile(r"C-\d{4}-\d{6,}")  # `[#C-2026-000123]` in a subject or text
# What people type: also lower case, but not glued to a longer word (`ABC-2026-000123` is not ours).
_TYPED_REFERENCE = re.compile(r"(?<![A-Za-z0-9])[Cc]-\d{4}-\d{6,}")


def references_in(*texts: str | None) -> tuple[str, ...]:
    """The case references found in `texts`, upper-cased, in order of appearance, each once."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _TYPED_REFERENCE.finditer(text or ""):
            found.setdefault(match.group().upper(), None)
    return tuple(found)


@dataclass(frozen=True)
class KnownCase:
    case_id: str
    reference: str
    customer_id: str
    channel: Channel
    status: CaseStatus
    updated_at: datetime
    resolved_at: datetime | None


class ThreadRule(StrEnum):
    IN_REPLY_TO = "in_reply_to"
    REFERENCES = "references"
    SUBJECT_REFERENCE = "subject_reference"
    TEXT_REFERENCE = "text_reference"
    CONVERSATION_ID = "conversation_id"
    OPEN_CASE = "open_case_on_channel"
    REOPEN_RESOLVED = "reopen_recently_resolved"
    NEW_CASE = "new_case"


@dataclass(frozen=True)
class ThreadDecision:
    case_id: str | None  # None: open a new case
    rule: ThreadRule
    reason: str  # which header or reference matched, and why others were ignored
    reopen: bool = False  # the chosen case is resolved and must be reopened
    refused: str | None = None  # why references to cases of this customer were not followed (sender unauthenticated)
    refused_case_ids: tuple[str, ...] = ()


def uses_explicit_threading(channel: Channel) -> bool:
    """Email and web forms thread only by headers and references: a new mail is a new case."""
    return channel in (Channel.EMAIL, Channel.WEB)


_SOURCES: dict[ThreadRule, str] = {
    ThreadRule.IN_REPLY_TO: "In-Reply-To",
    ThreadRule.REFERENCES: "References",
    ThreadRule.SUBJECT_REFERENCE: "the reference in the subject",
    ThreadRule.TEXT_REFERENCE: "the reference in the text",
    ThreadRule.CONVERSATION_ID: "the provider conversation",
}


AUTHENTICATION_METHODS = ("spf", "dkim", "dmarc")


def authentication_failure(metadata: Mapping[str, Any]) -> str | None:
    """Why the message's sender is not believed (`metadata["authentication"]["verdict"]` is fail), else None."""
    verdict = metadata.get("authentication")
    if not isinstance(verdict, Mapping) or verdict.get("verdict") != "fail":
        return None
    results = ", ".join(f"{method}={verdict.get(method) or 'none'}" for method in AUTHENTICATION_METHODS)
    return f"sender authentication failed ({results})"


def choose_case(
    *,
    channel: Channel,
    customer_id: str,
    now: datetime,
    reopen_window: timedelta,
    in_reply_to: KnownCase | None,
    referenced_by_headers: Sequence[KnownCase],
    conversation: KnownCase | None,
    subject_references: Sequence[KnownCase],
    text_references: Sequence[KnownCase],
    customer_cases: Sequence[KnownCase],
    authentication_failed: str | None = None,
) -> ThreadDecision:
    """`_choose_case`, with the typed references of a sender who failed authentication not followed (see the module
    docstring); `authentication_failed` is the reason (`authentication_failure`)."""
    refused = unproven_references(
        authentication_failed, customer_id=customer_id, references=[*subject_references, *text_references]
    )
    decision = _choose_case(
        channel=channel,
        customer_id=customer_id,
        now=now,
        reopen_window=reopen_window,
        in_reply_to=in_reply_to,
        referenced_by_headers=referenced_by_headers,
        conversation=conversation,
        subject_references=() if authentication_failed else subject_references,
        text_references=() if authentication_failed else text_references,
        customer_cases=customer_cases,
    )
    if refused is None or decision.case_id in refused.refused_case_ids:
        return decision
    return replace(
        decision,
        reason=f"{refused.refused}; {decision.reason[:1].lower()}{decision.reason[1:]}",
        refused=refused.refused,
        refused_case_ids=refused.refused_case_ids,
    )


def unproven_references(
    authentication_failed: str | None, *, customer_id: str, references: Sequence[KnownCase]
) -> ThreadDecision | None:
    """The refusal to follow typed references to the customer's own cases when the sender failed authentication
    (the only ones a forged From could join); None when nothing was refused."""
    mine = list(dict.fromkeys(case.reference for case in references if case.customer_id == customer_id))
    if authentication_failed is None or not mine:
        return None
    ids = tuple(dict.fromkeys(case.case_id for case in references if case.customer_id == customer_id))
    reason = (
        f"{authentication_failed[:1].upper()}{authentication_failed[1:]}: the reference to "
        f"{', '.join(mine)} is not followed (anyone can type a case reference and forge a From)"
    )
    return ThreadDecision(case_id=None, rule=ThreadRule.NEW_CASE, reason=reason, refused=reason, refused_case_ids=ids)


def _choose_case(
    *,
    channel: Channel,
    customer_id: str,
    now: datetime,
    reopen_window: timedelta,
    in_reply_to: KnownCase | None,
    referenced_by_headers: Sequence[KnownCase],
    conversation: KnownCase | None,
    subject_references: Sequence[KnownCase],
    text_references: Sequence[KnownCase],
    customer_cases: Sequence[KnownCase],
) -> ThreadDecision:
    """The case the message joins (or None for a new case), by the first rule that applies:

    - Email and web: In-Reply-To, then References (in the order given), then a case reference in the subject; else a
      new case, even when the customer has an open email case.
    - Other channels: a case reference in the text, then in the subject; In-Reply-To and References when the channel
      has them; the case holding the provider conversation; the customer's most recently updated active case on this
      channel; their most recently resolved case on this channel still within the reopen window; else a new case.

    A candidate of another customer, a closed one or one resolved longer ago than `reopen_window` is skipped, and the
    reason says so.
    """
    chooser = _Chooser(customer_id=customer_id, now=_utc(now), reopen_window=reopen_window)
    explicit: list[tuple[ThreadRule, Sequence[KnownCase]]] = [
        (ThreadRule.IN_REPLY_TO, [in_reply_to] if in_reply_to is not None else []),
        (ThreadRule.REFERENCES, referenced_by_headers),
    ]
    if uses_explicit_threading(channel):
        explicit.append((ThreadRule.SUBJECT_REFERENCE, subject_references))
    else:
        explicit[:0] = [
            (ThreadRule.TEXT_REFERENCE, text_references),
            (ThreadRule.SUBJECT_REFERENCE, subject_references),
        ]
        explicit.append((ThreadRule.CONVERSATION_ID, [conversation] if conversation is not None else []))
    for rule, candidates in explicit:
        for case in candidates:
            decision = chooser.try_case(case, rule, f"{_SOURCES[rule]} points at")
            if decision is not None:
                return decision

    if uses_explicit_threading(channel):
        return chooser.new_case(
            f"no In-Reply-To, References or subject reference to a case of this customer: new case "
            f"({channel.value} threads only by its headers and references)"
        )

    mine = [case for case in customer_cases if case.customer_id == customer_id]
    own = [case for case in mine if case.channel == channel]
    active = [case for case in own if case.status in ACTIVE_STATUSES]
    if active:
        case = max(active, key=lambda known: _utc(known.updated_at))
        return chooser.decide(
            case, ThreadRule.OPEN_CASE, f"the customer's open case {case.reference} on {channel.value}"
        )
    if channel is Channel.PHONE:
        # A call (a missed one, or an agent's note of one) is about whatever the caller has open, on any channel.
        elsewhere = [case for case in mine if case.status in ACTIVE_STATUSES]
        if elsewhere:
            case = max(elsewhere, key=lambda known: _utc(known.updated_at))
            return chooser.decide(
                case,
                ThreadRule.OPEN_CASE,
                f"a call from the customer joins their open case {case.reference} (on {case.channel.value})",
            )
    recent = [case for case in own if case.status == CaseStatus.RESOLVED and chooser.within_window(case)]
    if recent:
        case = max(recent, key=lambda known: _utc(known.resolved_at or known.updated_at))
        return chooser.decide(
            case,
            ThreadRule.REOPEN_RESOLVED,
            f"the customer's case {case.reference} on {channel.value}, resolved within the reopen window: reopened",
            reopen=True,
        )
    return chooser.new_case(f"no open or recently resolved case of this customer on {channel.value}: new case")


@dataclass
class _Chooser:
    customer_id: str
    now: datetime
    reopen_window: timedelta

    def __post_init__(self) -> None:
        self.notes: list[str] = []
        self.noted: set[str] = set()

    def within_window(self, case: KnownCase) -> bool:
        resolved_at = case.resolved_at or case.updated_at
        return self.now - _utc(resolved_at) <= self.reopen_window

    def try_case(self, case: KnownCase, rule: ThreadRule, source: str) -> ThreadDecision | None:
        """The decision to join `case`, or None (with a note why) when it may not be joined."""
        what = f"{source} case {case.reference}"
        if case.customer_id != self.customer_id:
            self._note(case, f"{what} of another customer: ignored (only the sender's own cases count)")
        elif case.status == CaseStatus.CLOSED:
            self._note(case, f"{what}, which is closed: not appended to")
        elif case.status == CaseStatus.RESOLVED and not self.within_window(case):
            self._note(case, f"{what}, resolved longer ago than the reopen window: not reopened")
        elif case.status == CaseStatus.RESOLVED:
            return self.decide(case, rule, f"{what}, resolved within the reopen window: reopened", reopen=True)
        else:
            return self.decide(case, rule, what)
        return None

    def decide(self, case: KnownCase, rule: ThreadRule, reason: str, *, reopen: bool = False) -> ThreadDecision:
        return ThreadDecision(case_id=case.case_id, rule=rule, reason=self._with_notes(reason), reopen=reopen)

    def new_case(self, reason: str) -> ThreadDecision:
        return ThreadDecision(case_id=None, rule=ThreadRule.NEW_CASE, reason=self._with_notes(reason))

    def _note(self, case: KnownCase, note: str) -> None:
        if case.case_id not in self.noted:
            self.noted.add(case.case_id)
            self.notes.append(note)

    def _with_notes(self, reason: str) -> str:
        text = "; ".join([*self.notes, reason])
        return text[:1].upper() + text[1:]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def note_author_agent(metadata: Mapping[str, Any]) -> str | None:
    """The agent who wrote a phone note with their own token, or None for a note by a CTI system, the admin or a
    supervisor (and for every other message). A note from before authors were recorded that names an agent counts as
    that agent's: the rule fails closed."""
    note = metadata.get("phone_note")
    if not isinstance(note, Mapping):
        return None
    author = note.get("author")
    if isinstance(author, Mapping):
        agent_id = author.get("agent_id") if author.get("kind") == "agent" else None
    else:
        agent_id = note.get("agent_id")
    return agent_id if isinstance(agent_id, str) and agent_id else None


@dataclass
class AgentNoteScope:
    """A phone note an agent wrote joins only a case currently assigned to that agent, as a ticket in a help desk takes
    comments only from the agents allowed to work it. A case reference in the note, or the caller's open case, that
    belongs to someone else (or to nobody yet) is passed over, and the reason says so; with nothing left the note
    opens a new case for the customer, which routing assigns like any other. Other customers' cases were never
    candidates (sender scoping)."""

    agent_id: str
    assignees: Mapping[str, str | None]  # case id -> its assignee now
    passed_over: dict[str, str] = field(default_factory=dict)  # case id -> reference

    def keep(self, cases: Iterable[KnownCase]) -> list[KnownCase]:
        kept = []
        for case in cases:
            if self.assignees.get(case.case_id) == self.agent_id:
                kept.append(case)
            else:
                self.passed_over.setdefault(case.case_id, case.reference)
        return kept

    def keep_one(self, case: KnownCase | None) -> KnownCase | None:
        return next(iter(self.keep([case])), None) if case is not None else None

    def explain(self, decision: ThreadDecision) -> ThreadDecision:
        """`decision` with, first in its reason, the cases the note was kept out of."""
        if not self.passed_over:
            return decision
        references = ", ".join(sorted(self.passed_over.values()))
        why = (
            f"A phone note written by agent {self.agent_id} joins only a case assigned to them: {references} "
            f"{'is' if len(self.passed_over) == 1 else 'are'} not"
        )
        return replace(decision, reason=f"{why}; {decision.reason[:1].lower()}{decision.reason[1:]}")
