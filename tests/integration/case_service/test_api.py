"""The API through HTTP with the service's lifespan entered: keys and problems, customer lookup by any contact form.

The case routes are tested in test_cases_api.py, test_actions_api.py and test_follow_ups_api.py."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from case_service.handlers import CaseHandlers
from shared.events import AddressKind, Channel, ComplaintMessageReceived
from shared.problems import PROBLEM_JSON
from tests.integration.case_service.builders import auth, envelope, received

Service = tuple[FastAPI, httpx.AsyncClient]


async def seed(app: FastAPI, *messages: ComplaintMessageReceived) -> None:
    runtime = app.state.runtime
    handlers = CaseHandlers(runtime.settings, app.state.policy)
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
