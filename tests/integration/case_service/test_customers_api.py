"""The customers API on SQLite and PostgreSQL: the 360° view, lookup and search, edits, duplicate suggestions, and who
may see what."""

from __future__ import annotations

from datetime import datetime

from shared.events import AddressKind, Channel
from tests.integration.case_service.builders import LAN, MINH, SUPERVISOR, auth, received
from tests.integration.case_service.case_api import problem_kind
from tests.integration.case_service.desk_kit import Desk


async def test_the_360_view_shows_every_channel_in_time_order(desk: Desk) -> None:
    start = desk.clock.now
    email_case = await desk.deliver(
        received("An.Nguyen@Example.com", customer_ref="crm-42", display_name="Nguyễn Văn An", received_at=start)
    )
    desk.clock.advance(minutes=10)
    await desk.reply(email_case, "Sorry, we are checking with the carrier.")
    sms_at = desk.clock.advance(minutes=10)
    sms_case = await desk.deliver(
        received(
            "0912345678",
            kind=AddressKind.PHONE,
            channel=Channel.SMS,
            customer_ref="crm-42",
            subject=None,
            text="Still nothing, the vase arrived broken.",
            received_at=desk.clock.now,
        )
    )
    desk.clock.advance(minutes=10)
    await desk.resolve(email_case)
    customer_id = await desk.customer_of(email_case)
    assert await desk.customer_of(sms_case) == customer_id

    customer = await desk.get(f"/v1/customers/{customer_id}", auth())

    assert (customer["id"], customer["display_name"], customer["language"]) == (customer_id, "Nguyễn Văn An", "en")
    assert (customer["opted_out"], customer["merged_into"]) == (False, None)
    assert sorted((p["kind"], p["address"]) for p in customer["contact_points"]) == [
        ("email", "an.nguyen@example.com"),
        ("external", "crm-42"),
        ("phone", "+84912345678"),
    ]
    assert [c["id"] for c in customer["cases"]] == [sms_case, email_case], "newest first"
    assert (customer["complaint_count"], customer["open_cases"]) == (2, 1)
    flow = [(m["case_id"], m["direction"], m["purpose"], m["channel"]) for m in customer["messages"]]
    assert flow == [
        (email_case, "inbound", None, "email"),
        (email_case, "outbound", "acknowledgement", "email"),
        (email_case, "outbound", "reply", "email"),
        (sms_case, "inbound", None, "sms"),
        (sms_case, "outbound", "acknowledgement", "sms"),
    ]
    references = {c["id"]: c["reference"] for c in customer["cases"]}
    assert all(m["case_reference"] == references[m["case_id"]] for m in customer["messages"])
    assert customer["messages"][3]["text"] == "Still nothing, the vase arrived broken."
    assert customer["messages_truncated"] is False
    # First and last contact are the customer's own messages, not our answers.
    assert datetime.fromisoformat(customer["first_contact_at"]) == start
    assert datetime.fromisoformat(customer["last_contact_at"]) == sms_at
    assert customer["csat_history"] == []


async def test_a_customer_is_found_by_any_form_of_an_address(desk: Desk) -> None:
    case_id = await desk.deliver(received("An@Example.com", customer_ref="crm-42"))
    await desk.deliver(received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, customer_ref="crm-42"))
    customer_id = await desk.customer_of(case_id)

    for contact in [" AN@example.COM ", "0912345678", "+84 912 345 678", "crm-42"]:
        found = await desk.get("/v1/customers", auth(), contact=contact)
        assert (found["id"], found["complaint_count"]) == (customer_id, 2), contact
    as_phone = await desk.get("/v1/customers", auth(), contact="0912345678", kind="phone")
    assert as_phone["id"] == customer_id

    nobody = await desk.client.get("/v1/customers", params={"contact": "nobody@example.com"}, headers=auth())
    assert (nobody.status_code, problem_kind(nobody)) == (404, "customer-not-found")
    unknown = await desk.client.get("/v1/customers/no-such-customer", headers=auth())
    assert (unknown.status_code, problem_kind(unknown)) == (404, "customer-not-found")


async def test_a_number_owned_by_two_customers_as_different_kinds_asks_for_the_kind(desk: Desk) -> None:
    # A WhatsApp id filed under an integrator's reference stays apart from the same number's SMS customer.
    sms = await desk.deliver(received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS))
    await desk.deliver(received("b@example.com", customer_ref="crm-7"))
    whatsapp = await desk.deliver(
        received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP, customer_ref="crm-7")
    )
    assert await desk.customer_of(sms) != await desk.customer_of(whatsapp)

    ambiguous = await desk.client.get("/v1/customers", params={"contact": "0912345678"}, headers=auth())
    assert (ambiguous.status_code, problem_kind(ambiguous)) == (409, "ambiguous-contact")
    assert sorted(ambiguous.json()["customer_ids"]) == sorted(
        [await desk.customer_of(sms), await desk.customer_of(whatsapp)]
    )
    as_whatsapp = await desk.get("/v1/customers", auth(), contact="0912345678", kind="whatsapp")
    assert as_whatsapp["id"] == await desk.customer_of(whatsapp)


async def test_search_by_name_in_any_accents_and_order_or_by_part_of_an_address(desk: Desk) -> None:
    an = await desk.customer_of(await desk.deliver(received("an@shop.vn", display_name="Nguyễn Văn An")))
    binh = await desk.customer_of(
        await desk.deliver(
            received("0987654321", kind=AddressKind.PHONE, channel=Channel.SMS, display_name="Trần Thị Bình")
        ),
    )
    await desk.deliver(received("someone@else.org", display_name="Lê Hoa"))

    async def found(q: str) -> list[str]:
        body = await desk.get("/v1/customers", auth(), q=q)
        return [item["id"] for item in body["items"]]

    assert await found("nguyen van an") == [an]
    assert await found("An Nguyễn") == [an]
    assert await found("BINH") == [binh]
    assert await found("@shop.vn") == [an]
    assert await found("0987 654") == [binh]
    assert await found("nobody") == []
    item = (await desk.get("/v1/customers", auth(), q="binh"))["items"][0]
    assert (item["display_name"], item["complaint_count"], item["open_cases"]) == ("Trần Thị Bình", 1, 1)
    assert [p["address"] for p in item["contact_points"]] == ["+84987654321"]

    for params in [{}, {"q": "an", "contact": "an@shop.vn"}, {"q": "an", "kind": "email"}]:
        refused = await desk.client.get("/v1/customers", params=params, headers=auth())
        assert (refused.status_code, problem_kind(refused)) == (422, "validation-error"), params


async def test_agents_see_only_customers_of_their_cases(desk: Desk) -> None:
    lans_case = await desk.deliver(received("an@example.com", display_name="An Customer"))
    await desk.assign(lans_case, "lan")
    others = await desk.deliver(received("binh@example.com", display_name="Binh Customer"))
    lans_customer, other_customer = await desk.customer_of(lans_case), await desk.customer_of(others)

    assert (await desk.get(f"/v1/customers/{lans_customer}", LAN))["id"] == lans_customer
    assert (await desk.get("/v1/customers", LAN, contact="an@example.com"))["id"] == lans_customer
    for path, params in [
        (f"/v1/customers/{lans_customer}", {}),
        (f"/v1/customers/{other_customer}", {}),
        ("/v1/customers", {"contact": "an@example.com"}),
    ]:
        hidden = await desk.client.get(path, params=params, headers=MINH)
        assert (hidden.status_code, problem_kind(hidden)) == (404, "customer-not-found"), path
    hidden_from_lan = await desk.client.get(f"/v1/customers/{other_customer}", headers=LAN)
    assert hidden_from_lan.status_code == 404
    assert [i["id"] for i in (await desk.get("/v1/customers", LAN, q="customer"))["items"]] == [lans_customer]
    assert len((await desk.get("/v1/customers", SUPERVISOR, q="customer"))["items"]) == 2

    for method, path, body in [
        ("PATCH", f"/v1/customers/{lans_customer}", {"language": "vi"}),
        ("POST", f"/v1/customers/{lans_customer}/merge", {"other_customer_id": other_customer}),
        ("POST", f"/v1/customers/{lans_customer}/merges/whatever/undo", None),
        ("GET", f"/v1/customers/{lans_customer}/duplicates", None),
    ]:
        forbidden = await desk.client.request(method, path, json=body, headers=LAN)
        assert (forbidden.status_code, problem_kind(forbidden)) == (403, "forbidden"), path
    missing = await desk.client.get(f"/v1/customers/{lans_customer}")
    assert missing.status_code == 401


async def test_an_agent_s_view_of_a_customer_holds_only_the_agent_s_own_cases(desk: Desk) -> None:
    lans_case = await desk.deliver(received("an@example.com", text="My parcel is late", subject="Late"))
    minhs_case = await desk.deliver(received("an@example.com", text="I was charged twice", subject="Billing"))
    await desk.assign(lans_case, "lan")
    await desk.assign(minhs_case, "minh")
    customer_id = await desk.customer_of(lans_case)

    as_lan = await desk.get(f"/v1/customers/{customer_id}", LAN)
    as_supervisor = await desk.get(f"/v1/customers/{customer_id}", SUPERVISOR)

    assert [case["id"] for case in as_lan["cases"]] == [lans_case]
    assert {message["case_id"] for message in as_lan["messages"]} == {lans_case}
    assert "I was charged twice" not in [message["text"] for message in as_lan["messages"]]
    assert (as_lan["complaint_count"], as_supervisor["complaint_count"]) == (1, 2)
    assert {case["id"] for case in as_supervisor["cases"]} == {lans_case, minhs_case}


async def test_a_supervisor_edits_name_language_and_opt_out(desk: Desk) -> None:
    customer_id = await desk.customer_of(await desk.deliver(received("an@example.com", display_name="An")))

    response = await desk.client.patch(
        f"/v1/customers/{customer_id}",
        json={"display_name": "Phạm Minh Anh", "opted_out": True, "language": "en"},
        headers=SUPERVISOR,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["display_name"], body["opted_out"], body["language"]) == ("Phạm Minh Anh", True, "en")
    assert {(c["field"], c["old"], c["new"]) for c in body["changes"]} == {
        ("display_name", "An", "Phạm Minh Anh"),
        ("opted_out", False, True),
    }, "an unchanged language is no change"
    assert body["changed_by"] == "supervisor" and body["changed_at"]
    assert [i["id"] for i in (await desk.get("/v1/customers", auth(), q="anh pham"))["items"]] == [customer_id]
    assert (await desk.get(f"/v1/customers/{customer_id}", auth()))["opted_out"] is True

    for body_sent in [{}, {"display_name": None}, {"nickname": "x"}, {"language": "vietnamese"}]:
        refused = await desk.client.patch(f"/v1/customers/{customer_id}", json=body_sent, headers=SUPERVISOR)
        assert (refused.status_code, problem_kind(refused)) == (422, "validation-error"), body_sent
    unknown = await desk.client.patch("/v1/customers/nobody", json={"language": "vi"}, headers=SUPERVISOR)
    assert (unknown.status_code, problem_kind(unknown)) == (404, "customer-not-found")


async def test_duplicates_are_suggested_with_their_evidence_and_never_merged(desk: Desk) -> None:
    by_sms = await desk.customer_of(
        await desk.deliver(received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, display_name="Hoa")),
    )
    # The integrator's reference files this WhatsApp number under the email customer: the number now has two owners.
    by_email = await desk.customer_of(
        await desk.deliver(received("an@example.com", customer_ref="crm-7", display_name="Minh"))
    )
    await desk.deliver(
        received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP, customer_ref="crm-7")
    )
    dotted = await desk.customer_of(await desk.deliver(received("an.nguyen@gmail.com", display_name="An")))
    plain = await desk.customer_of(await desk.deliver(received("AnNguyen+shop@googlemail.com", display_name="X")))
    named = await desk.customer_of(await desk.deliver(received("binh@acme.vn", display_name="Trần Thị Bình")))
    same_name = await desk.customer_of(await desk.deliver(received("b.tran@acme.vn", display_name="Binh Tran Thi")))
    await desk.deliver(received("tran.binh@other.vn", display_name="Tran Thi Binh"))  # same name, nothing else shared

    async def duplicates(customer_id: str) -> list[tuple[str, list[str]]]:
        body = await desk.get(f"/v1/customers/{customer_id}/duplicates", SUPERVISOR)
        return [(item["customer_id"], [e["rule"] for e in item["evidence"]]) for item in body["items"]]

    assert await duplicates(by_sms) == [(by_email, ["same_phone"])]
    assert await duplicates(by_email) == [(by_sms, ["same_phone"])]
    [item] = (await desk.get(f"/v1/customers/{by_sms}/duplicates", SUPERVISOR))["items"]
    assert "+84912345678" in item["evidence"][0]["detail"] and "whatsapp" in item["evidence"][0]["detail"]
    assert await duplicates(dotted) == [(plain, ["same_email"])]
    assert await duplicates(named) == [(same_name, ["same_name_and_overlapping_contacts"])]
    assert (
        "acme.vn"
        in (await desk.get(f"/v1/customers/{named}/duplicates", SUPERVISOR))["items"][0]["evidence"][0]["detail"]
    )
    # Suggestions only: both records are still there, unmerged.
    assert (await desk.get(f"/v1/customers/{by_email}", auth()))["merged_into"] is None
    unknown = await desk.client.get("/v1/customers/nobody/duplicates", headers=SUPERVISOR)
    assert (unknown.status_code, problem_kind(unknown)) == (404, "customer-not-found")
