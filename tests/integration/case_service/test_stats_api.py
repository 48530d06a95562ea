"""GET /v1/stats on SQLite and PostgreSQL over a small desk whose every time is known: cases opened, answered,
resolved and reopened through the handlers and actions at controlled moments, and surveys answered from their links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from case_service import actions
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import SUPERVISOR, auth, received, token_auth
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk

LATE = "My order has not arrived."
BROKEN = "The vase arrived broken."
BILLING = "I was charged twice, please refund me."


async def opened(desk: Desk, at: datetime, channel: Channel, text: str) -> str:
    desk.clock.at(at)
    address, kind = {
        Channel.EMAIL: (f"c{at.day}{at.hour}@example.com", AddressKind.EMAIL),
        Channel.SMS: (f"09120000{at.day:02d}", AddressKind.PHONE),
        Channel.WHATSAPP: (f"849130000{at.day:02d}", AddressKind.WHATSAPP),
    }[channel]
    return await desk.deliver(received(address, kind=kind, channel=channel, subject=None, text=text, received_at=at))


async def reply_at(desk: Desk, case_id: str, at: datetime) -> None:
    desk.clock.at(at)
    await desk.reply(case_id)


async def resolve_at(desk: Desk, case_id: str, at: datetime) -> None:
    desk.clock.at(at)
    await desk.resolve(case_id)


async def test_the_figures_of_a_known_fortnight(desk: Desk) -> None:
    # Twenty days ago at midnight: every SLA target of the fortnight has been decided by now.
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
    day = [base + timedelta(days=n, hours=9) for n in range(-1, 15)]  # day[1] is the first day of the period
    await opened(desk, day[0], Channel.EMAIL, LATE)  # the day before: outside the period

    # Last week: two late deliveries, one broken vase.
    c1 = await opened(desk, day[1], Channel.EMAIL, LATE)
    await reply_at(desk, c1, day[1] + timedelta(minutes=30))
    await resolve_at(desk, c1, day[1] + timedelta(hours=2))
    c2 = await opened(desk, day[2], Channel.SMS, BROKEN)
    await reply_at(desk, c2, day[2] + timedelta(hours=5))  # first response target (4 h) missed
    await resolve_at(desk, c2, day[2] + timedelta(hours=6))
    desk.clock.at(day[3])
    await desk.act(c2, actions.reopen, policy=desk.policy, reason="not fixed")
    await resolve_at(desk, c2, day[3] + timedelta(hours=1))  # 25 h after it opened, 7 h on the resolution clock
    c6 = await opened(desk, day[3] + timedelta(hours=2), Channel.EMAIL, LATE)
    await reply_at(desk, c6, day[3] + timedelta(hours=3))  # never resolved: its resolution target is breached

    # This week: two broken items, a double charge.
    c3 = await opened(desk, day[9], Channel.EMAIL, BROKEN)
    await reply_at(desk, c3, day[9] + timedelta(minutes=15))
    await resolve_at(desk, c3, day[9] + timedelta(hours=1))
    await opened(desk, day[10], Channel.WHATSAPP, BROKEN)  # never answered: both targets breached
    c7 = await opened(desk, day[11], Channel.SMS, BILLING)
    await reply_at(desk, c7, day[11] + timedelta(hours=1))
    await resolve_at(desk, c7, day[11] + timedelta(hours=3))

    # Every check-back falls due before the period ends: four surveys, two answered.
    desk.clock.at(day[14] + timedelta(hours=13))
    await desk.run_scheduler()
    tokens = await desk.survey_tokens()
    assert set(tokens) == {c1, c2, c3, c7}
    for case_id, score in [(c1, 5), (c2, 4)]:
        answered = await desk.client.post(f"/v1/surveys/{tokens[case_id]}", json={"score": score})
        assert answered.status_code == 200, answered.text

    start, end = base, base + timedelta(days=14)
    response = await desk.client.get(
        "/v1/stats", params={"from": start.isoformat(), "to": end.isoformat()}, headers=SUPERVISOR
    )

    assert response.status_code == 200, response.text
    stats = response.json()
    assert (datetime.fromisoformat(stats["from"]), datetime.fromisoformat(stats["to"])) == (start, end)
    volume = stats["volume"]
    assert volume["total"] == 6
    assert volume["by_channel"] == {"email": 3, "sms": 2, "whatsapp": 1}
    assert volume["by_category"] == {"delivery_delay": 2, "damaged_goods": 3, "billing_refund": 1}
    assert len(volume["by_day"]) == 14
    assert [entry["count"] for entry in volume["by_day"]] == [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert volume["by_day"][0]["date"] == start.date().isoformat()
    # first responses 900, 1800, 3600, 3600, 18000 s; resolutions 3600, 7200, 10800, 90000 s (nearest rank)
    assert stats["first_response_seconds"] == {"count": 5, "p50": 3600.0, "p90": 18000.0, "p95": 18000.0}
    assert stats["resolution_seconds"] == {"count": 4, "p50": 7200.0, "p90": 90000.0, "p95": 90000.0}
    assert stats["sla_attainment"] == {
        "first_response": {"measured": 6, "met": 4, "rate": 0.6667},
        "resolution": {"measured": 6, "met": 4, "rate": 0.6667},
    }
    assert stats["reopen_rate"] == {"resolved": 4, "reopened": 1, "rate": 0.25}
    assert stats["csat"] == {"surveys_sent": 4, "answered": 2, "response_rate": 0.5, "average": 4.5}
    assert stats["rising_categories"] == [
        {"category": "damaged_goods", "this_week": 2, "last_week": 1, "change": 1.0},
        {"category": "billing_refund", "this_week": 1, "last_week": 0, "change": 1.0},
    ]

    # Whole days: the same fortnight asked by date.
    by_date = await desk.get(
        "/v1/stats",
        SUPERVISOR,
        **{"from": start.date().isoformat(), "to": (end - timedelta(days=1)).date().isoformat()},
    )
    assert (by_date["volume"], by_date["to"]) == (volume, stats["to"])


async def test_the_period_defaults_to_the_last_30_days_and_is_checked(desk: Desk) -> None:
    await desk.deliver(received("an@example.com", text=LATE))

    stats: dict[str, Any] = await desk.get("/v1/stats", auth())

    end = datetime.fromisoformat(stats["to"])
    assert abs(end - datetime.now(UTC)) < timedelta(minutes=5)
    assert end - datetime.fromisoformat(stats["from"]) == timedelta(days=30)
    assert (stats["volume"]["total"], stats["volume"]["by_channel"]) == (1, {"email": 1})
    assert stats["first_response_seconds"] == {"count": 0, "p50": None, "p90": None, "p95": None}
    assert stats["csat"] == {"surveys_sent": 0, "answered": 0, "response_rate": None, "average": None}
    assert stats["rising_categories"] == [{"category": "delivery_delay", "this_week": 1, "last_week": 0, "change": 1.0}]

    for params in [{"from": "2026-03-10", "to": "2026-03-01"}, {"from": "last week"}, {"to": "2026-13-01"}]:
        refused = await desk.client.get("/v1/stats", params=params, headers=SUPERVISOR)
        assert (refused.status_code, problem_kind(refused)) == (422, "validation-error"), params
    agent = await desk.client.get("/v1/stats", headers=token_auth(agent_id="lan"))
    assert (agent.status_code, problem_kind(agent)) == (403, "forbidden")
