"""Merging customers and undoing it, on SQLite and PostgreSQL: the undo restores both customers exactly, what arrives
after a merge stays with the survivor, and merges that others depend on are undone in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from case_service.models import Case, ContactPoint, Customer, CustomerMerge
from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import SUPERVISOR, received
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk


async def rows(desk: Desk, customer_ids: list[str]) -> dict[str, Any]:
    """Every column of the customers, their contact points and their cases, as stored."""

    def columns(row: Any) -> dict[str, Any]:
        return {column.key: getattr(row, column.key) for column in row.__mapper__.column_attrs}

    async with desk.session() as session:
        found: dict[str, Any] = {}
        for model, key in [(Customer, Customer.id), (ContactPoint, ContactPoint.customer_id), (Case, Case.customer_id)]:
            listed = (await session.execute(select(model).where(key.in_(customer_ids)))).scalars().all()
            found[model.__tablename__] = sorted((columns(row) for row in listed), key=lambda item: item["id"])
        return found


async def merge(desk: Desk, survivor: str, other: str) -> str:
    response = await desk.client.post(
        f"/v1/customers/{survivor}/merge", json={"other_customer_id": other}, headers=SUPERVISOR
    )
    assert response.status_code == 201, response.text
    return str(response.json()["merge_id"])


async def undo(desk: Desk, survivor: str, merge_id: str) -> dict[str, Any]:
    response = await desk.client.post(f"/v1/customers/{survivor}/merges/{merge_id}/undo", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_merge_followed_by_undo_restores_both_customers_exactly(desk: Desk) -> None:
    email_case = await desk.deliver(received("an@example.com", display_name=None, language="en"))
    await desk.reply(email_case)
    later_case = await desk.deliver(
        received("an@example.com", subject="Another order", text="Invoice is wrong", display_name=None)
    )
    await desk.resolve(email_case)
    survivor = await desk.customer_of(email_case)
    sms_case = await desk.deliver(
        received(
            "0912345678",
            kind=AddressKind.PHONE,
            channel=Channel.SMS,
            customer_ref="crm-9",
            display_name="Nguyễn Văn An",
            text="Hàng bị vỡ rồi",
            language="vi",
        )
    )
    other = await desk.customer_of(sms_case)
    assert later_case != email_case and survivor != other
    patched = await desk.client.patch(f"/v1/customers/{other}", json={"opted_out": True}, headers=SUPERVISOR)
    assert patched.status_code == 200
    before = [await desk.get(f"/v1/customers/{cid}", SUPERVISOR) for cid in (survivor, other)]
    stored_before = await rows(desk, [survivor, other])

    merge_id = await merge(desk, survivor, other)

    merged_view = await desk.get(f"/v1/customers/{survivor}", SUPERVISOR)
    assert {c["id"] for c in merged_view["cases"]} == {email_case, later_case, sms_case}
    assert sorted(p["kind"] for p in merged_view["contact_points"]) == ["email", "external", "phone"]
    # The survivor had no name: it takes the other's; either one's opt-out holds for both.
    assert (merged_view["display_name"], merged_view["opted_out"]) == ("Nguyễn Văn An", True)
    folded = await desk.get(f"/v1/customers/{other}", SUPERVISOR)
    assert (folded["merged_into"], folded["cases"], folded["contact_points"]) == (survivor, [], [])
    assert (await desk.get("/v1/customers", SUPERVISOR, contact="0912345678"))["id"] == survivor
    timeline = (await desk.api.case(sms_case))["timeline"]
    [entry] = [e for e in timeline if e["kind"] == "customer_merged"]
    assert entry["detail"] == {"merge_id": merge_id, "from_customer_id": other, "into_customer_id": survivor}
    assert entry["actor_kind"] == "supervisor"

    undone = await undo(desk, survivor, merge_id)

    assert (undone["merge_id"], undone["survivor_id"], undone["merged_id"]) == (merge_id, survivor, other)
    after = [await desk.get(f"/v1/customers/{cid}", SUPERVISOR) for cid in (survivor, other)]
    assert after == before
    assert await rows(desk, [survivor, other]) == stored_before
    assert "customer_merge_undone" in [e["kind"] for e in (await desk.api.case(sms_case))["timeline"]]
    async with desk.session() as session:
        record = await session.get(CustomerMerge, merge_id)
        assert record is not None and record.undone_at is not None and record.undone_by == "supervisor"
        assert record.snapshot["case_ids"] == [sms_case]
        assert record.snapshot["merged"]["opted_out"] is True
        assert record.snapshot["survivor"]["display_name"] is None


async def test_what_arrives_after_the_merge_stays_with_the_survivor(desk: Desk) -> None:
    email_case = await desk.deliver(received("an@example.com"))
    survivor = await desk.customer_of(email_case)
    sms_case = await desk.deliver(received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS))
    other = await desk.customer_of(sms_case)
    merge_id = await merge(desk, survivor, other)

    # The moved number now writes on WhatsApp: a new case, and a new contact point, both the survivor's.
    whatsapp_case = await desk.deliver(received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP))
    assert await desk.customer_of(whatsapp_case) == survivor
    await undo(desk, survivor, merge_id)

    kept = await desk.get(f"/v1/customers/{survivor}", SUPERVISOR)
    assert {c["id"] for c in kept["cases"]} == {email_case, whatsapp_case}
    assert sorted(p["kind"] for p in kept["contact_points"]) == ["email", "whatsapp"]
    restored = await desk.get(f"/v1/customers/{other}", SUPERVISOR)
    assert ([c["id"] for c in restored["cases"]], restored["merged_into"]) == ([sms_case], None)
    assert [p["kind"] for p in restored["contact_points"]] == ["phone"]


async def test_merges_that_cannot_be_done_are_refused(desk: Desk) -> None:
    a = await desk.customer_of(await desk.deliver(received("a@example.com")))
    b = await desk.customer_of(await desk.deliver(received("b@example.com")))
    c = await desk.customer_of(await desk.deliver(received("c@example.com")))

    async def refused(survivor: str, other: str) -> tuple[int, str]:
        response = await desk.client.post(
            f"/v1/customers/{survivor}/merge", json={"other_customer_id": other}, headers=SUPERVISOR
        )
        return response.status_code, problem_kind(response)

    assert await refused(a, a) == (409, "merge-into-itself")
    assert await refused(a, "nobody") == (404, "customer-not-found")
    assert await refused("nobody", a) == (404, "customer-not-found")
    missing_field = await desk.client.post(f"/v1/customers/{a}/merge", json={}, headers=SUPERVISOR)
    assert (missing_field.status_code, problem_kind(missing_field)) == (422, "validation-error")

    merge_id = await merge(desk, a, b)
    assert await refused(a, b) == (409, "customer-already-merged")
    assert await refused(b, c) == (409, "customer-already-merged")
    assert await refused(c, b) == (409, "customer-already-merged")

    wrong_customer = await desk.client.post(f"/v1/customers/{c}/merges/{merge_id}/undo", headers=SUPERVISOR)
    assert (wrong_customer.status_code, problem_kind(wrong_customer)) == (404, "merge-not-found")
    unknown = await desk.client.post(f"/v1/customers/{a}/merges/nothing/undo", headers=SUPERVISOR)
    assert (unknown.status_code, problem_kind(unknown)) == (404, "merge-not-found")
    await undo(desk, a, merge_id)
    twice = await desk.client.post(f"/v1/customers/{a}/merges/{merge_id}/undo", headers=SUPERVISOR)
    assert (twice.status_code, problem_kind(twice)) == (409, "merge-already-undone")


async def test_a_merge_a_later_one_depends_on_is_undone_after_it(desk: Desk) -> None:
    names = ["Anh", "Binh", "Chi", "Dung"]
    a, b, c, d = [
        await desk.customer_of(await desk.deliver(received(f"{name.lower()}@example.com", display_name=name)))
        for name in names
    ]
    before = [await desk.get(f"/v1/customers/{cid}", SUPERVISOR) for cid in (a, b, c, d)]
    first = await merge(desk, a, b)
    second = await merge(desk, a, c)
    third = await merge(desk, d, a)  # the survivor itself folded into another customer, with what it took in

    blocked = await desk.client.post(f"/v1/customers/{a}/merges/{first}/undo", headers=SUPERVISOR)
    assert (blocked.status_code, problem_kind(blocked)) == (409, "merge-undo-blocked")
    assert blocked.json()["undo_first"] == [third, second]
    assert third in blocked.json()["detail"]
    assert {c_["id"] for c_ in (await desk.get(f"/v1/customers/{d}", SUPERVISOR))["cases"]} == {
        c_["id"] for view in before for c_ in view["cases"]
    }

    await undo(desk, d, third)
    still = await desk.client.post(f"/v1/customers/{a}/merges/{first}/undo", headers=SUPERVISOR)
    assert (still.status_code, still.json()["undo_first"]) == (409, [second])
    await undo(desk, a, second)
    await undo(desk, a, first)

    assert [await desk.get(f"/v1/customers/{cid}", SUPERVISOR) for cid in (a, b, c, d)] == before
