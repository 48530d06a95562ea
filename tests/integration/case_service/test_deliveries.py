"""What a channel service reports about a message we sent shows on the message, and a failure on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from case_service import outbound, timeline
from case_service.deliveries import UnknownOutboundMessage
from case_service.models import Case
from shared.events import AddressKind, Channel, DeliveryStatus, OutboundDeliveryReported, OutboundPurpose
from tests.integration.case_service.inbound_kit import (
    Inbound,
    Sessions,
    case_of,
    message,
    outbound_of,
    sms,
    timeline_of,
)


def report(
    case_id: str, outbound_id: str, status: DeliveryStatus, error: str | None = None
) -> OutboundDeliveryReported:
    return OutboundDeliveryReported(
        outbound_id=outbound_id,
        case_id=case_id,
        channel=Channel.SMS,
        provider="twilio",
        status=status,
        provider_message_id="SM0123",
        error=error,
        reported_at=datetime.now(UTC),
    )


async def test_a_delivery_and_a_late_sent_report_leave_the_acknowledgement_delivered(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ rồi", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    [ack] = await outbound_of(sessions, case.id)
    outbound_id = ack.provider_message_id.removeprefix("out-")
    assert ack.delivery_status == "requested"

    await inbound.deliver(sessions, report(case.id, outbound_id, DeliveryStatus.DELIVERED))
    await inbound.deliver(sessions, report(case.id, outbound_id, DeliveryStatus.SENT))

    [ack] = await outbound_of(sessions, case.id)
    assert ack.delivery_status == "delivered"
    assert await timeline_of(sessions, case.id, "delivery_failed") == []


async def test_a_failed_delivery_is_on_the_case_timeline_with_the_provider_s_error(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ rồi", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    [ack] = await outbound_of(sessions, case.id)

    failure = report(case.id, ack.provider_message_id.removeprefix("out-"), DeliveryStatus.FAILED, "30006 landline")
    await inbound.deliver(sessions, failure)

    [ack] = await outbound_of(sessions, case.id)
    assert (ack.delivery_status, ack.delivery_error) == ("failed", "30006 landline")
    [entry] = await timeline_of(sessions, case.id, "delivery_failed")
    assert (entry.actor_kind, entry.actor_id, entry.message_id) == ("channel", "twilio", ack.id)
    assert entry.detail["error"] == "30006 landline"


async def test_a_report_for_a_message_never_sent_cannot_be_applied(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ rồi", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")

    with pytest.raises(UnknownOutboundMessage):
        await inbound.deliver(sessions, report(case.id, "no-such-message", DeliveryStatus.DELIVERED))


async def test_after_a_call_joins_an_email_case_the_answer_still_goes_to_the_customer_s_email(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, message("an@shop.vn", customer_ref="crm-7", provider_message_id="m-1"))
    case = await case_of(sessions, "m-1")
    call = message(
        "0912345678",
        kind=AddressKind.PHONE,
        channel=Channel.PHONE,
        text="Khách gọi hỏi tiến độ",
        subject=None,
        customer_ref="crm-7",
        provider_message_id="call-1",
        recipient="+842812345678",
    )
    await inbound.deliver(sessions, call)
    assert (await case_of(sessions, "call-1")).id == case.id, "the call joins the open email case"

    async with sessions() as session, session.begin():
        stored = await session.get(Case, case.id)
        assert stored is not None
        reply = await outbound.send_to_customer(
            session,
            case=stored,
            purpose=OutboundPurpose.REPLY,
            text="Đơn của anh đang được giao.",
            now=datetime.now(UTC),
            actor=timeline.SYSTEM,
        )

    assert (reply.channel, reply.recipient, reply.sender_address) == ("email", "an@shop.vn", "care@shop.example")
