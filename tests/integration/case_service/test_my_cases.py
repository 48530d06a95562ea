"""An agent's "my cases" is GET /v1/cases with an agent token, on SQLite and PostgreSQL: only their cases, filtered by
status, SLA state and channel, searched by subject, customer name (with or without diacritics) and message text, each
item with its SLA state and the time left, and the customer's latest message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, MINH, received
from tests.integration.case_service.desk_kit import Desk

HOUR = 3600.0


async def mine(desk: Desk, headers: dict[str, str] = LAN, **params: Any) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in (await desk.get("/v1/cases", headers, **params))["items"]}


async def test_an_agents_list_of_their_cases(desk: Desk) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    async def opened_at(when: datetime, address: str, name: str, text: str, **options: Any) -> str:
        desk.clock.at(when)
        case_id = await desk.deliver(received(address, display_name=name, text=text, received_at=when, **options))
        return case_id

    sms = {"kind": AddressKind.PHONE, "channel": Channel.SMS, "subject": None}
    late = await opened_at(now - timedelta(hours=5), "0912000001", "Nguyễn Văn An", "My order has not arrived.", **sms)
    risky = await opened_at(
        now - timedelta(hours=3.5), "binh@example.com", "Trần Thị Bình", "Giảm giá 100% mà vẫn tính tiền"
    )
    fresh = await opened_at(now, "cuong@example.com", "Lê Cường", "The lid is missing.", subject="Missing lid")
    other = await opened_at(now, "dung@example.com", "Nguyễn Dũng", "Where is my parcel?")
    for case_id in (late, risky, fresh):
        await desk.assign(case_id, "lan")
    await desk.assign(other, "minh")
    desk.clock.at(now - timedelta(hours=1))
    await desk.deliver(received("0912000001", text="Vẫn chưa nhận được hàng", received_at=desk.clock.now, **sms))
    desk.clock.at(now)
    await desk.run_scheduler()  # the stored SLA states the filter reads, as the scheduler keeps them

    everything = await mine(desk)
    assert set(everything) == {late, risky, fresh}
    assert set(await mine(desk, MINH)) == {other}
    assert set(await mine(desk, status="open")) == {late, risky, fresh}
    assert await mine(desk, status="resolved") == {}
    assert set(await mine(desk, channel="sms")) == {late}
    assert set(await mine(desk, sla="breached")) == {late}
    assert set(await mine(desk, sla="at_risk")) == {risky}
    assert set(await mine(desk, sla="ok")) == {fresh}

    item = everything[late]
    assert item["sla_status"] == "breached"
    assert -1.1 * HOUR < item["sla_remaining_seconds"] < -0.9 * HOUR, "the first response was due an hour ago"
    assert datetime.fromisoformat(item["sla_due_at"]) == now - timedelta(hours=1)
    assert item["last_customer_message_preview"] == "Vẫn chưa nhận được hàng"
    assert datetime.fromisoformat(item["last_customer_message_at"]) == now - timedelta(hours=1)
    assert everything[risky]["sla_status"] == "at_risk"
    assert 0.4 * HOUR < everything[risky]["sla_remaining_seconds"] < 0.5 * HOUR
    assert everything[fresh]["sla_status"] == "ok" and everything[fresh]["sla_remaining_seconds"] > 3.9 * HOUR
    assert everything[fresh]["last_customer_message_preview"] == "The lid is missing."

    assert set(await mine(desk, q="nguyen")) == {late}, "a name matches without its diacritics"
    assert set(await mine(desk, q="Trần Thị")) == {risky}
    assert set(await mine(desk, q="văn an")) == {late}
    assert set(await mine(desk, q="missing LID")) == {fresh}
    assert set(await mine(desk, q="chưa nhận")) == {late}, "any message of the case, not only the first"
    assert set(await mine(desk, q="100%")) == {risky}
    assert await mine(desk, q="1_0%") == {}, "LIKE wildcards in the search are plain characters"
    assert await mine(desk, q="Dũng") == {}, "another agent's customer is not found"
    assert set(await mine(desk, q="nguyen", channel="sms", sla="breached")) == {late}


async def test_a_long_latest_message_is_previewed_by_its_first_200_characters(desk: Desk) -> None:
    text = "Đơn hàng giao chậm! " * 30
    case_id = await desk.deliver(received("an@example.com", text=text))
    await desk.assign(case_id, "lan")
    [item] = (await mine(desk)).values()
    assert item["last_customer_message_preview"] == text[:200]
