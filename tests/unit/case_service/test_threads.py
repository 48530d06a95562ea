"""Threading: which case a message joins, by header, reference, conversation or channel, only ever among the
sender's own cases, with the reason an agent reads on the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from case_service.domain import CaseStatus
from case_service.threads import (
    CASE_REFERENCE,
    AgentNoteScope,
    KnownCase,
    ThreadDecision,
    ThreadRule,
    authentication_failure,
    choose_case,
    note_author_agent,
    references_in,
    uses_explicit_threading,
)
from shared.events import Channel

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
ME = "cust-me"
STRANGER = "cust-other"

OTHER_CHANNELS = [
    Channel.SMS,
    Channel.PHONE,
    Channel.WHATSAPP,
    Channel.MESSENGER,
    Channel.INSTAGRAM,
    Channel.TELEGRAM,
    Channel.ZALO,
    Channel.X,
    Channel.API,
]


def case(
    number: int,
    *,
    customer: str = ME,
    channel: Channel = Channel.EMAIL,
    status: CaseStatus = CaseStatus.OPEN,
    hours_ago: float = 1,
    resolved_days_ago: float | None = None,
) -> KnownCase:
    resolved_at = NOW - timedelta(days=resolved_days_ago) if resolved_days_ago is not None else None
    if resolved_at is not None and status is CaseStatus.OPEN:
        status = CaseStatus.RESOLVED
    return KnownCase(
        case_id=f"case-{number}",
        reference=f"C-2026-{number:06d}",
        customer_id=customer,
        channel=channel,
        status=status,
        updated_at=NOW - timedelta(hours=hours_ago),
        resolved_at=resolved_at,
    )


def choose(
    channel: Channel = Channel.EMAIL,
    *,
    in_reply_to: KnownCase | None = None,
    headers: Sequence[KnownCase] = (),
    conversation: KnownCase | None = None,
    subject: Sequence[KnownCase] = (),
    text: Sequence[KnownCase] = (),
    mine: Sequence[KnownCase] = (),
) -> ThreadDecision:
    return choose_case(
        channel=channel,
        customer_id=ME,
        now=NOW,
        reopen_window=WINDOW,
        in_reply_to=in_reply_to,
        referenced_by_headers=headers,
        conversation=conversation,
        subject_references=subject,
        text_references=text,
        customer_cases=mine,
    )


# --- references ----------------------------------------------------------------------------------------------------


def test_references_in_subjects_and_texts() -> None:
    assert references_in("Re: [#C-2026-000123] Hàng bị vỡ", None, "see c-2026-000124 and C-2026-000123") == (
        "C-2026-000123",
        "C-2026-000124",
    )
    assert references_in("ABC-2026-000123", "C-2026-12345", "", None) == ()
    assert references_in("C-2027-1234567") == ("C-2027-1234567",)
    assert CASE_REFERENCE.search("[#C-2026-000123]") is not None


def test_which_channels_thread_only_explicitly() -> None:
    assert uses_explicit_threading(Channel.EMAIL)
    assert uses_explicit_threading(Channel.WEB)
    assert not any(uses_explicit_threading(channel) for channel in OTHER_CHANNELS)


# --- email and web -------------------------------------------------------------------------------------------------


def test_email_in_reply_to_wins() -> None:
    replied, referenced = case(1), case(2)
    decision = choose(in_reply_to=replied, headers=[referenced], subject=[case(3)])
    assert decision == ThreadDecision(
        case_id="case-1", rule=ThreadRule.IN_REPLY_TO, reason="In-Reply-To points at case C-2026-000001"
    )


def test_email_references_then_subject() -> None:
    assert choose(headers=[case(2), case(3)], subject=[case(4)]).case_id == "case-2"
    assert choose(headers=[case(2)]).rule is ThreadRule.REFERENCES
    decision = choose(subject=[case(4)])
    assert (decision.case_id, decision.rule) == ("case-4", ThreadRule.SUBJECT_REFERENCE)
    assert "subject" in decision.reason and "C-2026-000004" in decision.reason


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.WEB])
def test_a_new_email_opens_a_new_case_even_with_an_open_one(channel: Channel) -> None:
    decision = choose(channel, mine=[case(1, channel=channel)], text=[case(1, channel=channel)])
    assert decision.case_id is None
    assert decision.rule is ThreadRule.NEW_CASE
    assert "new case" in decision.reason


def test_a_forwarded_mail_never_joins_another_customers_case() -> None:
    theirs = case(9, customer=STRANGER)
    decision = choose(in_reply_to=theirs, headers=[theirs], subject=[theirs])
    assert decision.case_id is None
    assert decision.rule is ThreadRule.NEW_CASE
    assert "In-Reply-To points at case C-2026-000009 of another customer: ignored" in decision.reason
    assert decision.reason.count("C-2026-000009") == 1  # said once, whichever header repeats it


def test_another_customers_reply_header_does_not_hide_my_own_reference() -> None:
    decision = choose(in_reply_to=case(9, customer=STRANGER), subject=[case(5)])
    assert (decision.case_id, decision.rule) == ("case-5", ThreadRule.SUBJECT_REFERENCE)
    assert decision.reason.startswith("In-Reply-To points at case C-2026-000009 of another customer")
    assert decision.reason.endswith("the reference in the subject points at case C-2026-000005")


def test_a_closed_case_is_never_appended_to() -> None:
    decision = choose(in_reply_to=case(1, status=CaseStatus.CLOSED))
    assert decision.case_id is None
    assert "closed: not appended to" in decision.reason


def test_a_recently_resolved_case_reopens() -> None:
    decision = choose(in_reply_to=case(1, resolved_days_ago=2))
    assert (decision.case_id, decision.rule, decision.reopen) == ("case-1", ThreadRule.IN_REPLY_TO, True)
    assert "reopened" in decision.reason


def test_a_case_resolved_before_the_window_is_not_reopened() -> None:
    decision = choose(in_reply_to=case(1, resolved_days_ago=8))
    assert decision.case_id is None and not decision.reopen
    assert "longer ago than the reopen window" in decision.reason


def test_the_window_edge_counts_as_within() -> None:
    assert choose(in_reply_to=case(1, resolved_days_ago=7)).reopen


# --- sms, chat and social channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", OTHER_CHANNELS)
def test_an_explicit_reference_in_the_text_wins(channel: Channel) -> None:
    referenced = case(2, channel=Channel.EMAIL)
    decision = choose(
        channel, text=[referenced], conversation=case(3, channel=channel), mine=[case(4, channel=channel)]
    )
    assert (decision.case_id, decision.rule) == ("case-2", ThreadRule.TEXT_REFERENCE)


def test_a_reference_in_the_subject_counts_on_other_channels_too() -> None:
    decision = choose(Channel.API, subject=[case(2)], mine=[case(4, channel=Channel.API)])
    assert (decision.case_id, decision.rule) == ("case-2", ThreadRule.SUBJECT_REFERENCE)


def test_the_provider_conversation_comes_next() -> None:
    conversation = case(3, channel=Channel.MESSENGER, hours_ago=5)
    newer = case(4, channel=Channel.MESSENGER, hours_ago=1)
    decision = choose(Channel.MESSENGER, conversation=conversation, mine=[conversation, newer])
    assert (decision.case_id, decision.rule) == ("case-3", ThreadRule.CONVERSATION_ID)
    assert "conversation" in decision.reason


@pytest.mark.parametrize("channel", OTHER_CHANNELS)
def test_the_customers_newest_open_case_on_the_channel(channel: Channel) -> None:
    mine = [
        case(1, channel=channel, hours_ago=10),
        case(2, channel=channel, hours_ago=2, status=CaseStatus.PENDING_CUSTOMER),
        case(3, channel=Channel.EMAIL if channel is not Channel.EMAIL else Channel.SMS, hours_ago=0.1),
        case(4, channel=channel, hours_ago=0.5, resolved_days_ago=0.1),
        case(5, channel=channel, hours_ago=0.2, status=CaseStatus.CLOSED),
    ]
    decision = choose(channel, mine=mine)
    assert (decision.case_id, decision.rule, decision.reopen) == ("case-2", ThreadRule.OPEN_CASE, False)
    assert channel.value in decision.reason


def test_otherwise_the_newest_recently_resolved_case_on_the_channel_reopens() -> None:
    mine = [
        case(1, channel=Channel.ZALO, resolved_days_ago=3),
        case(2, channel=Channel.ZALO, resolved_days_ago=1),
        case(3, channel=Channel.ZALO, resolved_days_ago=9),
        case(4, channel=Channel.SMS),
    ]
    decision = choose(Channel.ZALO, mine=mine)
    assert (decision.case_id, decision.rule, decision.reopen) == ("case-2", ThreadRule.REOPEN_RESOLVED, True)


@pytest.mark.parametrize(
    "mine",
    [
        [],
        [case(1, channel=Channel.SMS, resolved_days_ago=9)],
        [case(1, channel=Channel.SMS, status=CaseStatus.CLOSED)],
        [case(1, channel=Channel.WHATSAPP)],
        [case(1, channel=Channel.SMS, customer=STRANGER)],
    ],
)
def test_otherwise_a_new_case(mine: list[KnownCase]) -> None:
    decision = choose(Channel.SMS, mine=mine)
    assert (decision.case_id, decision.rule) == (None, ThreadRule.NEW_CASE)
    assert decision.reason.startswith("No open or recently resolved case of this customer on sms")


def test_a_call_joins_the_callers_newest_open_case_on_any_channel_but_prefers_a_phone_case() -> None:
    on_sms = case(1, channel=Channel.SMS, hours_ago=1)
    on_zalo = case(2, channel=Channel.ZALO, hours_ago=3)
    stranger = case(3, channel=Channel.SMS, customer=STRANGER, hours_ago=0.1)

    elsewhere = choose(Channel.PHONE, mine=[on_sms, on_zalo, stranger])
    on_phone = choose(Channel.PHONE, mine=[on_sms, case(4, channel=Channel.PHONE, hours_ago=5)])

    assert (elsewhere.case_id, elsewhere.rule) == ("case-1", ThreadRule.OPEN_CASE)
    assert "(on sms)" in elsewhere.reason
    assert on_phone.case_id == "case-4"


def test_a_reference_to_a_strangers_case_falls_back_to_my_own_open_case() -> None:
    decision = choose(Channel.SMS, text=[case(9, customer=STRANGER)], mine=[case(1, channel=Channel.SMS)])
    assert (decision.case_id, decision.rule) == ("case-1", ThreadRule.OPEN_CASE)
    assert "of another customer: ignored" in decision.reason


def test_a_closed_conversation_case_is_skipped_for_an_open_case() -> None:
    closed = case(3, channel=Channel.TELEGRAM, status=CaseStatus.CLOSED)
    decision = choose(Channel.TELEGRAM, conversation=closed, mine=[closed, case(4, channel=Channel.TELEGRAM)])
    assert (decision.case_id, decision.rule) == ("case-4", ThreadRule.OPEN_CASE)
    assert "C-2026-000003, which is closed" in decision.reason


def test_a_reply_header_counts_on_chat_channels_that_have_one() -> None:
    decision = choose(
        Channel.WHATSAPP, in_reply_to=case(6, channel=Channel.WHATSAPP), mine=[case(7, channel=Channel.WHATSAPP)]
    )
    assert (decision.case_id, decision.rule) == ("case-6", ThreadRule.IN_REPLY_TO)


def test_naive_times_are_read_as_utc() -> None:
    resolved = KnownCase(
        case_id="case-1",
        reference="C-2026-000001",
        customer_id=ME,
        channel=Channel.SMS,
        status=CaseStatus.RESOLVED,
        updated_at=datetime(2026, 5, 9, 12, 0),
        resolved_at=datetime(2026, 5, 9, 12, 0),
    )
    assert choose(Channel.SMS, mine=[resolved]).reopen


# --- sender authentication -----------------------------------------------------------------------------------------


FAILED = authentication_failure({"authentication": {"spf": "fail", "dkim": None, "dmarc": "fail", "verdict": "fail"}})


def test_a_sender_who_failed_authentication_is_not_threaded_by_a_typed_reference() -> None:
    assert FAILED == "sender authentication failed (spf=fail, dkim=none, dmarc=fail)"
    mine = case(1)
    decision = choose_case(
        channel=Channel.EMAIL,
        customer_id=ME,
        now=NOW,
        reopen_window=WINDOW,
        in_reply_to=None,
        referenced_by_headers=(),
        conversation=None,
        subject_references=[mine],
        text_references=(),
        customer_cases=(),
        authentication_failed=FAILED,
    )
    assert decision.case_id is None and decision.rule is ThreadRule.NEW_CASE
    assert decision.refused_case_ids == ("case-1",)
    assert decision.refused is not None and "C-2026-000001 is not followed" in decision.refused
    assert decision.reason.startswith("Sender authentication failed (spf=fail, dkim=none, dmarc=fail)")


def test_a_reply_to_our_own_message_id_still_threads_and_an_unchecked_sender_threads_by_reference() -> None:
    mine = case(1)
    replying = choose_case(
        channel=Channel.EMAIL,
        customer_id=ME,
        now=NOW,
        reopen_window=WINDOW,
        in_reply_to=mine,
        referenced_by_headers=(),
        conversation=None,
        subject_references=[mine],
        text_references=(),
        customer_cases=(),
        authentication_failed=FAILED,
    )
    assert (replying.case_id, replying.rule, replying.refused) == ("case-1", ThreadRule.IN_REPLY_TO, None)
    assert authentication_failure({"authentication": {"verdict": "none"}}) is None
    assert authentication_failure({}) is None
    assert choose(subject=[mine]).case_id == "case-1"


def test_the_author_of_a_phone_note_is_an_agent_only_when_an_agent_wrote_it() -> None:
    assert note_author_agent({"phone_note": {"author": {"kind": "agent", "agent_id": "lan"}}}) == "lan"
    assert note_author_agent({"phone_note": {"author": {"kind": "cti"}, "agent_id": "lan"}}) is None
    assert note_author_agent({"phone_note": {"author": {"kind": "admin"}}}) is None
    assert note_author_agent({"phone_note": {"agent_id": "lan"}}) == "lan"  # recorded before authors: fails closed
    assert note_author_agent({"phone_note": "odd"}) is None and note_author_agent({}) is None


def test_an_agents_note_passes_over_cases_not_assigned_to_them_and_says_so() -> None:
    theirs, others, nobodys = case(1, channel=Channel.PHONE), case(2, channel=Channel.SMS), case(3)
    scope = AgentNoteScope(agent_id="lan", assignees={theirs.case_id: "lan", others.case_id: "minh"})
    kept = scope.keep([others, nobodys])
    decision = scope.explain(choose(Channel.PHONE, subject=kept, mine=scope.keep([theirs, others])))
    assert decision.case_id == theirs.case_id
    assert decision.reason.startswith("A phone note written by agent lan joins only a case assigned to them")
    assert others.reference in decision.reason and nobodys.reference in decision.reason
    untouched = AgentNoteScope(agent_id="lan", assignees={})
    assert untouched.explain(choose(Channel.PHONE)) == choose(Channel.PHONE)
