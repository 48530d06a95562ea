"""Recurring-problem alerts on SQLite and PostgreSQL: a burst of complaints about one category from different customers
raises one alert (stored, announced as case.problem_recurring.v1, listed for supervisors) that later cases join; one
customer repeating himself raises none, nor does a burst no bigger than the usual traffic; a root cause rising at
resolution raises one too; acknowledging closes it, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from case_service import actions
from tests.integration.case_service.builders import LAN, SUPERVISOR, received
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk, running_desk

LATE = "My order has not arrived."
BILLING = "I was charged twice, please refund me."
BROKEN = "The cup arrived broken."
RECURRING = "case.problem_recurring.v1"


async def complaint(desk: Desk, customer: int | str, text: str = LATE, *, after_minutes: float = 5) -> str:
    """A new case from customer `customer` (each email opens its own case), `after_minutes` after the last one."""
    desk.clock.advance(minutes=after_minutes)
    return await desk.deliver(received(f"customer-{customer}@example.com", subject=None, text=text))


async def open_alerts(desk: Desk, **params: Any) -> list[dict[str, Any]]:
    return list((await desk.get("/v1/alerts", SUPERVISOR, **params))["items"])


async def test_a_burst_from_different_customers_raises_one_alert_that_later_cases_join(desk: Desk) -> None:
    await complaint(desk, "yesterday", after_minutes=0)  # the baseline: one customer a day ago
    desk.clock.advance(hours=23)
    cases = [await complaint(desk, n) for n in range(4)]
    await complaint(desk, 99, "The cup arrived broken.")  # another category does not count
    assert await open_alerts(desk) == []
    assert await desk.api.events(RECURRING) == []

    cases.append(await complaint(desk, 4))  # the fifth customer within the hour
    [alert] = await open_alerts(desk)
    customers = [await desk.customer_of(case_id) for case_id in cases]
    assert alert == {
        "alert_id": alert["alert_id"],
        "kind": "category",
        "value": "delivery_delay",
        "customer_count": 5,
        "baseline": round(1 / 24, 4),  # one customer in the 24 h before the window: 1/24 per hour
        "case_ids": cases[::-1],
        "customer_ids": customers[::-1],
        "raised_at": alert["raised_at"],
        "acknowledged_at": None,
        "acknowledged_by": None,
    }
    [event] = await desk.api.events(RECURRING)
    assert (event["_topic"], event["_key"], event["subject"]) == ("cases.events.v1", cases[-1], cases[-1])
    assert {key: event["data"][key] for key in ("alert_id", "kind", "value", "customer_count", "window_minutes")} == {
        "alert_id": alert["alert_id"],
        "kind": "category",
        "value": "delivery_delay",
        "customer_count": 5,
        "window_minutes": 60,
    }
    assert event["data"]["case_ids"] == cases[::-1] and event["data"]["customer_ids"] == customers[::-1]

    sixth = await complaint(desk, 5)
    again = await complaint(desk, 5)  # the same customer again: one more case, no more customers
    [grown] = await open_alerts(desk)
    assert grown["alert_id"] == alert["alert_id"]
    assert grown["case_ids"] == [*cases[::-1], sixth, again]
    assert grown["customer_count"] == 6 and len(grown["customer_ids"]) == 6
    assert len(await desk.api.events(RECURRING)) == 1, "one open alert per problem: it is announced once"


async def test_one_customer_repeating_himself_raises_nothing(desk: Desk) -> None:
    cases = {await complaint(desk, "same") for _ in range(8)}
    assert len(cases) == 8
    await complaint(desk, "other")
    assert await open_alerts(desk, status="all") == []
    assert await desk.api.events(RECURRING) == []


async def test_a_burst_no_bigger_than_usual_raises_nothing(database_url: str, broker: str) -> None:
    async with running_desk(database_url, broker, recurring_baseline_hours=4) as desk:
        for n in range(8):  # the usual: two customers an hour for four hours
            await complaint(desk, f"usual-{n}", after_minutes=30)
        desk.clock.advance(minutes=61)
        for n in range(5):  # five customers in this hour: the minimum, but not three times the usual two
            await complaint(desk, n, after_minutes=1)
        assert await open_alerts(desk) == []
        await complaint(desk, 5, after_minutes=1)  # six is three times two
        [alert] = await open_alerts(desk)
        assert (alert["customer_count"], alert["baseline"]) == (6, 2.0)


async def test_a_root_cause_rising_at_resolution_raises_an_alert(desk: Desk) -> None:
    texts = [LATE, BILLING, BROKEN, LATE, BILLING]  # no category reaches five customers
    cases = [await complaint(desk, n, text) for n, text in enumerate(texts)]
    for case_id in cases:
        assert await open_alerts(desk) == []
        desk.clock.advance(minutes=2)
        await desk.act(
            case_id, actions.resolve, policy=desk.policy, resolution_code="refunded", root_cause="payment_gateway"
        )
    [alert] = await open_alerts(desk)
    assert (alert["kind"], alert["value"], alert["customer_count"]) == ("root_cause", "payment_gateway", 5)
    assert alert["case_ids"] == cases[::-1]
    [event] = await desk.api.events(RECURRING)
    assert (event["data"]["kind"], event["_key"]) == ("root_cause", cases[-1])


async def test_acknowledging_closes_the_alert_once(desk: Desk) -> None:
    desk.clock.at(datetime.now(UTC) - timedelta(hours=2))
    for n in range(5):
        await complaint(desk, n)
    [alert] = await open_alerts(desk)
    path = f"/v1/alerts/{alert['alert_id']}/acknowledge"

    first = await desk.client.post(path, json={"by": "sup-hoa"}, headers=SUPERVISOR)
    assert first.status_code == 200, first.text
    assert first.json()["acknowledged_by"] == "sup-hoa" and first.json()["acknowledged_at"]
    second = await desk.client.post(path, json={"by": "someone else"}, headers=SUPERVISOR)
    assert second.status_code == 200 and second.json() == first.json()

    assert await open_alerts(desk) == []
    assert [a["alert_id"] for a in await open_alerts(desk, status="acknowledged")] == [alert["alert_id"]]
    assert await open_alerts(desk, status="all") == [first.json()]
    desk.clock.at(datetime.now(UTC) + timedelta(minutes=1))
    await complaint(desk, 5)  # the five the supervisor has seen are not counted again
    assert await open_alerts(desk) == []
    for n in range(6, 10):
        await complaint(desk, n)
    [new] = await open_alerts(desk)
    assert new["alert_id"] != alert["alert_id"] and new["customer_count"] == 5
    assert len(await desk.api.events(RECURRING)) == 2


async def test_alerts_are_for_supervisors_and_bad_requests_are_problems(desk: Desk) -> None:
    unknown = await desk.client.post("/v1/alerts/no-such-alert/acknowledge", json={"by": "sup"}, headers=SUPERVISOR)
    assert (unknown.status_code, problem_kind(unknown)) == (404, "alert-not-found")
    for response, status in [
        (await desk.client.get("/v1/alerts", headers=LAN), 403),
        (await desk.client.post("/v1/alerts/x/acknowledge", json={"by": "lan"}, headers=LAN), 403),
        (await desk.client.get("/v1/alerts", params={"status": "closed"}, headers=SUPERVISOR), 422),
        (await desk.client.post("/v1/alerts/x/acknowledge", json={"by": "  "}, headers=SUPERVISOR), 422),
        (await desk.client.post("/v1/alerts/x/acknowledge", json={}, headers=SUPERVISOR), 422),
        (await desk.client.get("/v1/alerts"), 401),
    ]:
        assert response.status_code == status, response.text
        problem_kind(response)
