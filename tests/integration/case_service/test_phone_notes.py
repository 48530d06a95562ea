"""Phone notes written by agents join only the cases assigned to them; notes of CTI systems, the admin and
supervisors join the caller's case as before; and a note is never read as the customer's own words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from case_service.models import ContactPoint, Message
from shared.events import AddressKind, Channel, ComplaintMessageReceived
from tests.integration.case_service.builders import assigned
from tests.integration.case_service.inbound_kit import Inbound, Sessions, case_of, message, message_of, sms

CALLER = "+84912345678"


def phone_note(
    pmid: str, text: str, author: dict[str, str], *, reference: str | None = None
) -> ComplaintMessageReceived:
    """A note as ingest_sms sends it: the caller as sender, the named case in the subject, the author in metadata."""
    note: dict[str, Any] = {"note_id": pmid, "direction": "outbound", "author": author}
    if "agent_id" in author:
        note["agent_id"] = author["agent_id"]
    return message(
        CALLER,
        kind=AddressKind.PHONE,
        channel=Channel.PHONE,
        subject=f"[#{reference}]" if reference else None,
        text=text,
        provider_message_id=pmid,
        metadata={"phone_note": note},
    )


def agent(agent_id: str) -> dict[str, str]:
    return {"kind": "agent", "agent_id": agent_id}


async def case_assigned_to(sessions: Sessions, inbound: Inbound, agent_id: str, pmid: str, text: str) -> str:
    """The caller's SMS case, assigned to `agent_id`."""
    await inbound.deliver(sessions, sms(CALLER, text, provider_message_id=pmid))
    case = await case_of(sessions, pmid)
    await inbound.deliver(sessions, assigned(case.id, agent_id))
    return case.id


async def messages_in(sessions: Sessions, case_id: str) -> list[str]:
    """The provider ids of the messages that came in on the case."""
    async with sessions() as session:
        rows = await session.execute(
            select(Message.provider_message_id).where(Message.case_id == case_id, Message.direction == "inbound")
        )
        return sorted(rows.scalars().all())


async def test_agent_bs_note_naming_agent_as_case_opens_a_new_case_and_says_why(
    sessions: Sessions, inbound: Inbound
) -> None:
    a_case = await case_assigned_to(sessions, inbound, "agent-a", "sms-1", "Tôi bị trừ tiền hai lần")
    reference = (await case_of(sessions, "sms-1")).reference

    await inbound.deliver(sessions, phone_note("note-b", "Khách đồng ý huỷ đơn", agent("agent-b"), reference=reference))

    landed = await case_of(sessions, "note-b")
    assert landed.id != a_case and landed.customer_id == (await case_of(sessions, "sms-1")).customer_id
    assert await messages_in(sessions, a_case) == ["sms-1"]
    stored = await message_of(sessions, "note-b")
    assert stored.thread_rule == "new_case"
    assert "agent-b" in stored.thread_reason and reference in stored.thread_reason
    assert "assigned to them" in stored.thread_reason


async def test_agent_bs_note_does_not_join_agent_as_open_case_but_joins_bs_own(
    sessions: Sessions, inbound: Inbound
) -> None:
    a_case = await case_assigned_to(sessions, inbound, "agent-a", "sms-1", "Tôi bị trừ tiền hai lần")
    await inbound.deliver(sessions, phone_note("note-b1", "Gọi lại cho khách", agent("agent-b")))
    b_case = (await case_of(sessions, "note-b1")).id
    assert b_case != a_case and await messages_in(sessions, a_case) == ["sms-1"]
    assert "agent-b" in (await message_of(sessions, "note-b1")).thread_reason

    await inbound.deliver(sessions, assigned(b_case, "agent-b"))
    await inbound.deliver(sessions, phone_note("note-b2", "Gọi lại lần hai", agent("agent-b")))
    assert (await case_of(sessions, "note-b2")).id == b_case


async def test_an_agents_note_joins_their_own_case_and_cti_and_supervisor_notes_join_as_before(
    sessions: Sessions, inbound: Inbound
) -> None:
    a_case = await case_assigned_to(sessions, inbound, "agent-a", "sms-1", "Tôi bị trừ tiền hai lần")
    reference = (await case_of(sessions, "sms-1")).reference

    await inbound.deliver(sessions, phone_note("note-a", "Đã hoàn tiền", agent("agent-a"), reference=reference))
    await inbound.deliver(sessions, phone_note("note-cti", "Cuộc gọi 3 phút", {"kind": "cti"}, reference=reference))
    await inbound.deliver(sessions, phone_note("note-sup", "Đã kiểm tra", {"kind": "supervisor"}))

    assert await messages_in(sessions, a_case) == ["note-a", "note-cti", "note-sup", "sms-1"]


async def test_a_note_from_before_authors_were_recorded_counts_as_the_named_agents(
    sessions: Sessions, inbound: Inbound
) -> None:
    a_case = await case_assigned_to(sessions, inbound, "agent-a", "sms-1", "Tôi bị trừ tiền hai lần")
    reference = (await case_of(sessions, "sms-1")).reference
    old = phone_note("note-old", "Ghi chú cũ", agent("agent-b"), reference=reference)
    del old.metadata["phone_note"]["author"]

    await inbound.deliver(sessions, old)

    assert (await case_of(sessions, "note-old")).id != a_case


async def test_a_note_reading_stop_opts_nobody_out(sessions: Sessions, inbound: Inbound) -> None:
    a_case = await case_assigned_to(sessions, inbound, "agent-a", "sms-1", "Tôi bị trừ tiền hai lần")

    await inbound.deliver(sessions, phone_note("note-stop", "STOP", agent("agent-b")))

    assert (await case_of(sessions, "note-stop")).id != a_case
    async with sessions() as session:
        points = (await session.execute(select(ContactPoint).where(ContactPoint.address == CALLER))).scalars().all()
    assert points and not any(point.opted_out for point in points)
