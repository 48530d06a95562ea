"""Which case a message joins, end to end through the handler on SQLite and PostgreSQL, and the reason the timeline
shows for it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from case_service.lifecycle import CaseAction
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import count, outbox_events
from tests.integration.case_service.inbound_kit import (
    Inbound,
    Sessions,
    case_of,
    message,
    message_of,
    outbound_of,
    sms,
    timeline_of,
)


async def test_a_reply_to_our_acknowledgement_joins_the_case(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1", message_id="<first@mail.example>"))
    case = await case_of(sessions, "m-1")
    [ack] = await outbound_of(sessions, case.id)
    assert ack.message_id_header

    inbound.clock.advance(hours=1)
    reply = message(
        subject="Re: Damaged parcel",
        text="Here are the photos.",
        provider_message_id="m-2",
        # some adapters keep the angle brackets, others do not
        in_reply_to=ack.message_id_header.strip("<>"),
        references=("<first@mail.example>", ack.message_id_header),
    )
    await inbound.deliver(sessions, reply)

    assert (await case_of(sessions, "m-2")).id == case.id
    stored = await message_of(sessions, "m-2")
    assert stored.thread_rule == "in_reply_to"
    assert case.reference in stored.thread_reason
    [threaded] = await timeline_of(sessions, case.id, "message_threaded")
    assert (threaded.detail["rule"], threaded.message_id) == ("in_reply_to", stored.id)
    assert len(await outbound_of(sessions, case.id)) == 1, "an answer is not acknowledged again"


async def test_references_to_the_customers_earlier_mail_join_the_case(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1", message_id="<first@mail.example>"))
    await inbound.deliver(
        sessions, message(provider_message_id="m-2", subject="Re: x", references=("<first@mail.example>",))
    )

    assert (await case_of(sessions, "m-2")).id == (await case_of(sessions, "m-1")).id
    assert (await message_of(sessions, "m-2")).thread_rule == "references"


async def test_the_reference_in_the_subject_joins_the_senders_own_case(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1"))
    case = await case_of(sessions, "m-1")
    await inbound.deliver(sessions, message(provider_message_id="m-2", subject=f"About [#{case.reference}]"))

    assert (await case_of(sessions, "m-2")).id == case.id
    assert (await message_of(sessions, "m-2")).thread_rule == "subject_reference"


async def test_a_mail_forwarded_by_someone_else_opens_a_new_case(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, message("an@example.com", provider_message_id="m-1", message_id="<an-1@x>"))
    original = await case_of(sessions, "m-1")
    forwarded = message(
        "boss@other.example",
        display_name="Boss",
        subject=f"Fwd: Damaged parcel [#{original.reference}]",
        text=f"See below, case {original.reference}.",
        references=("<an-1@x>",),
        provider_message_id="m-2",
    )
    await inbound.deliver(sessions, forwarded)

    new = await case_of(sessions, "m-2")
    assert new.id != original.id
    assert new.customer_id != original.customer_id
    stored = await message_of(sessions, "m-2")
    assert stored.thread_rule == "new_case"
    assert "another customer" in stored.thread_reason
    assert await count(engine, "cases") == 2


async def test_a_new_mail_without_headers_opens_a_new_case_even_with_one_open(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1"))
    await inbound.deliver(sessions, message(provider_message_id="m-2", subject="Another problem"))

    assert (await case_of(sessions, "m-1")).id != (await case_of(sessions, "m-2")).id


async def test_sms_appends_to_the_open_sms_case(sessions: Sessions, inbound: Inbound, engine: AsyncEngine) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", provider_message_id="s-1"))
    inbound.clock.advance(minutes=5)
    await inbound.deliver(sessions, sms("+84 912 345 678", "Có ai trả lời không?", provider_message_id="s-2"))

    case = await case_of(sessions, "s-1")
    assert (await case_of(sessions, "s-2")).id == case.id
    assert (await message_of(sessions, "s-2")).thread_rule == "open_case_on_channel"
    assert case.updated_at == inbound.clock()
    assert [e["type"] for e in await outbox_events(engine)] == [
        "case.opened.v1",
        "outbound.message.requested.v1",
        "case.message_added.v1",
    ]


async def test_a_resolved_case_reopens_when_the_customer_writes_within_the_window(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    await inbound.deliver(sessions, sms("0912345678", "x", provider_message_id="s-0"))  # still open: appended
    await inbound.change(sessions, case.id, CaseAction.RESOLVE)
    inbound.clock.advance(days=2)
    await inbound.deliver(sessions, sms("0912345678", "Vẫn bị vỡ, đổi cái khác vẫn hỏng", provider_message_id="s-2"))

    reopened = await case_of(sessions, "s-2")
    assert (reopened.id, reopened.status, reopened.reopen_count) == (case.id, "open", 1)
    assert (await message_of(sessions, "s-2")).thread_rule == "reopen_recently_resolved"
    events = await outbox_events(engine)
    [reopen] = [e for e in events if e["type"] == "case.reopened.v1"]
    assert reopen["data"]["reason"] == "the customer wrote again within the reopen window"
    assert events[-1]["type"] == "case.message_added.v1"


async def test_a_case_resolved_longer_ago_than_the_window_stays_resolved(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    await inbound.change(sessions, case.id, CaseAction.RESOLVE)
    inbound.clock.advance(days=8)  # the default window is 7 days
    await inbound.deliver(sessions, sms("0912345678", "Lại bị vỡ", provider_message_id="s-2"))

    assert (await case_of(sessions, "s-2")).id != case.id
    assert (await case_of(sessions, "s-1")).status == "resolved"


async def test_a_message_for_a_closed_case_opens_a_new_one(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1", message_id="<m-1@x>"))
    case = await case_of(sessions, "m-1")
    await inbound.change(sessions, case.id, CaseAction.CLOSE)
    await inbound.deliver(
        sessions, message(provider_message_id="m-2", in_reply_to="<m-1@x>", subject=f"Re: [#{case.reference}]")
    )

    new = await case_of(sessions, "m-2")
    assert new.id != case.id and new.status == "new"
    assert "closed" in (await message_of(sessions, "m-2")).thread_reason
    assert (await case_of(sessions, "m-1")).status == "closed"


async def test_an_explicit_reference_in_an_sms_wins_over_the_open_sms_case(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(
        sessions, message("an@example.com", customer_ref="crm-1", provider_message_id="m-1", display_name="An")
    )
    mail_case = await case_of(sessions, "m-1")
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", customer_ref="crm-1", provider_message_id="s-1"))
    sms_case = await case_of(sessions, "s-1")
    assert sms_case.id != mail_case.id and sms_case.customer_id == mail_case.customer_id

    await inbound.deliver(
        sessions, sms("0912345678", f"Về hồ sơ {mail_case.reference.lower()}: đã gửi ảnh", provider_message_id="s-2")
    )

    assert (await case_of(sessions, "s-2")).id == mail_case.id
    assert (await message_of(sessions, "s-2")).thread_rule == "text_reference"


async def test_a_chat_message_joins_the_case_of_its_conversation(sessions: Sessions, inbound: Inbound) -> None:
    chat = {"kind": AddressKind.MESSENGER, "channel": Channel.MESSENGER, "subject": None}
    await inbound.deliver(
        sessions, message("psid-1", text="Broken!", conversation_id="t-1", provider_message_id="c-1", **chat)
    )  # type: ignore[arg-type]
    await inbound.deliver(
        sessions, message("psid-1", text="Hello?", conversation_id="t-1", provider_message_id="c-2", **chat)
    )  # type: ignore[arg-type]

    assert (await case_of(sessions, "c-2")).id == (await case_of(sessions, "c-1")).id
    assert (await message_of(sessions, "c-2")).thread_rule == "conversation_id"
