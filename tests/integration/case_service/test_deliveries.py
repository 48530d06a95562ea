"""What a channel service reports about a message we sent shows on the message, and a failure on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from case_service.deliveries import UnknownOutboundMessage
from shared.events import Channel, DeliveryStatus, OutboundDeliveryReported
from tests.integration.case_service.inbound_kit import (
    Inbound,
    Sessions,
    case_of,
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
