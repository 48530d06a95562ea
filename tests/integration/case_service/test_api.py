"""The read API through HTTP, with the service's lifespan entered: keys, problems, case detail, customer lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from case_service.handlers import CaseHandlers
from shared.events import AddressKind, Channel, ComplaintMessageReceived
from shared.problems import PROBLEM_JSON
from tests.integration.case_service.builders import auth, envelope, received

Service = tuple[FastAPI, httpx.AsyncClient]


async def seed(app: FastAPI, *messages: ComplaintMessageReceived) -> None:
    runtime = app.state.runtime
    handlers = CaseHandlers(runtime.settings)
    for data in messages:
        async with runtime.sessions() as session, session.begin():
            await handlers.on_message_received(session, envelope(data), data)


async def test_errors_are_problem_documents(service: Service) -> None:
    _, client = service

    missing_key = await client.get("/v1/cases/whatever")
    wrong_key = await client.get("/v1/cases/whatever", headers={"Authorization": "Bearer not-the-key"})
    no_case = await client.get("/v1/cases/whatever", headers=auth())
    no_customer = await client.get("/v1/customers/whatever", headers=auth())
    no_owner = await client.get("/v1/customers", params={"contact": "nobody@example.com"}, headers=auth())
    no_contact = await client.get("/v1/customers", headers=auth())

    for response, status in [
        (missing_key, 401),
        (wrong_key, 401),
        (no_case, 404),
        (no_customer, 404),
        (no_owner, 404),
        (no_contact, 422),
    ]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert response.json()["status"] == status
    assert missing_key.headers["www-authenticate"].startswith("Bearer")
    assert no_contact.json()["errors"][0]["field"] == "query.contact"
    assert (await client.get("/healthz")).status_code == 200


async def test_case_detail_shows_the_case_and_its_messages_oldest_first(service: Service) -> None:
    app, client = service
    sent = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    # The later message is processed first: the history still reads in the order the customer wrote.
    await seed(
        app,
        received(text="second", received_at=sent + timedelta(minutes=5)),
        received(text="first", received_at=sent),
    )
    listing = await client.get("/v1/cases", headers=auth())
    [summary] = listing.json()["items"]

    response = await client.get(f"/v1/cases/{summary['id']}", headers=auth())

    assert response.status_code == 200
    case = response.json()
    assert case["reference"] == summary["reference"]
    assert (case["status"], case["channel"], case["category"], case["priority"]) == (
        "new",
        "email",
        "general",
        "normal",
    )
    assert (case["language"], case["subject"], case["assignee_agent_id"]) == ("en", "Missing order", None)
    assert [m["text"] for m in case["messages"]] == ["first", "second"]
    assert case["messages"][0]["sender_address"] == "an.customer@example.com"
    assert datetime.fromisoformat(case["messages"][0]["received_at"]) == sent


async def test_customer_is_found_by_id_or_by_any_form_of_a_contact_address(service: Service) -> None:
    app, client = service
    await seed(
        app,
        received("An@Example.com", customer_ref="crm-42", channel=Channel.EMAIL),
        received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, customer_ref="crm-42"),
        received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP, customer_ref="crm-42"),
    )
    by_email = await client.get("/v1/customers", params={"contact": " AN@example.COM "}, headers=auth())
    assert by_email.status_code == 200, by_email.text
    customer = by_email.json()
    assert sorted((p["kind"], p["address"]) for p in customer["contact_points"]) == [
        ("email", "an@example.com"),
        ("external", "crm-42"),
        ("phone", "+84912345678"),
        ("whatsapp", "+84912345678"),
    ]
    assert [c["channel"] for c in customer["cases"]] == ["whatsapp", "sms", "email"], "newest first"
    assert all(c["customer_id"] == customer["id"] for c in customer["cases"])

    # A number that is both a phone and a WhatsApp contact point of this customer resolves to them.
    for contact in ["0912345678", "+84 912 345 678", "crm-42"]:
        found = await client.get("/v1/customers", params={"contact": contact}, headers=auth())
        assert (found.status_code, found.json()["id"]) == (200, customer["id"]), contact
    by_id = await client.get(f"/v1/customers/{customer['id']}", headers=auth())
    assert by_id.json() == customer


async def test_a_number_owned_by_two_customers_as_different_kinds_asks_for_the_kind(service: Service) -> None:
    app, client = service
    await seed(
        app,
        received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS),
        received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP),
    )
    ambiguous = await client.get("/v1/customers", params={"contact": "0912345678"}, headers=auth())
    assert ambiguous.status_code == 409
    assert len(ambiguous.json()["customer_ids"]) == 2

    as_whatsapp = await client.get(
        "/v1/customers", params={"contact": "0912345678", "kind": "whatsapp"}, headers=auth()
    )
    assert as_whatsapp.status_code == 200
    assert [p["kind"] for p in as_whatsapp.json()["contact_points"]] == ["whatsapp"]
