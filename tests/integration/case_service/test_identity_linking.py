"""One customer behind many identifiers, through the handler on SQLite and PostgreSQL: what a message links, what it
never merges, and merged customers answered as their survivor."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from case_service import merges, repository
from case_service.models import ContactPoint, Customer
from shared.events import AddressKind, Channel, ContactAddress
from tests.integration.case_service.builders import count
from tests.integration.case_service.inbound_kit import (
    AGENT,
    Inbound,
    Sessions,
    all_of,
    case_of,
    message,
    sms,
    timeline_of,
)


async def points(sessions: Sessions) -> dict[tuple[str, str], ContactPoint]:
    return {(point.kind, point.address): point for point in await all_of(sessions, ContactPoint)}


async def test_a_whatsapp_id_is_also_the_customers_phone(sessions: Sessions, inbound: Inbound) -> None:
    whatsapp = message("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP, subject=None)
    await inbound.deliver(sessions, whatsapp.model_copy(update={"provider_message_id": "w-1"}))
    await inbound.deliver(sessions, sms("0912 345 678", "Hàng bị vỡ", provider_message_id="s-1"))

    [customer] = await all_of(sessions, Customer)
    linked = await points(sessions)
    assert set(linked) == {("whatsapp", "+84912345678"), ("phone", "+84912345678")}
    assert {point.match_key for point in linked.values()} == {"tel:+84912345678"}
    assert {point.customer_id for point in linked.values()} == {customer.id}
    assert (await case_of(sessions, "w-1")).channel == "whatsapp"
    assert (await case_of(sessions, "s-1")).customer_id == customer.id


async def test_an_integrator_reference_links_an_email_and_a_phone(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message("An@Example.com", customer_ref="crm-42", provider_message_id="m-1"))
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", customer_ref=" crm-42 ", provider_message_id="s-1"))
    # Known now by the phone number alone, and by the email alone on the web form.
    await inbound.deliver(sessions, sms("+84912345678", "Có ai không?", provider_message_id="s-2"))
    await inbound.deliver(sessions, message("an@example.com", channel=Channel.WEB, provider_message_id="w-1"))

    [customer] = await all_of(sessions, Customer)
    assert set(await points(sessions)) == {
        ("email", "an@example.com"),
        ("external", "crm-42"),
        ("phone", "+84912345678"),
    }
    cases = {(await case_of(sessions, pm)).channel for pm in ("m-1", "s-1", "s-2", "w-1")}
    assert cases == {"email", "sms", "web"}
    assert {(await case_of(sessions, pm)).customer_id for pm in ("m-1", "s-2", "w-1")} == {customer.id}


async def test_identifiers_an_adapter_lists_are_linked(sessions: Sessions, inbound: Inbound) -> None:
    listed = {"identifiers": [{"kind": "zalo", "address": "zl-77"}, {"kind": "nonsense", "address": "x"}, "junk"]}
    await inbound.deliver(sessions, message("an@example.com", metadata=listed, provider_message_id="m-1"))
    zalo = message("zl-77", kind=AddressKind.ZALO, channel=Channel.ZALO, subject=None, provider_message_id="z-1")
    await inbound.deliver(sessions, zalo)

    assert set(await points(sessions)) == {("email", "an@example.com"), ("zalo", "zl-77")}
    assert (await case_of(sessions, "z-1")).customer_id == (await case_of(sessions, "m-1")).customer_id


async def test_identifiers_of_two_customers_are_never_merged_silently(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, message("shared@example.com", provider_message_id="m-1"))
    await inbound.deliver(sessions, message("own@example.com", customer_ref="crm-7", provider_message_id="m-2"))
    # The integrator says this is crm-7, though the address already belongs to the first customer.
    await inbound.deliver(
        sessions, message("shared@example.com", channel=Channel.API, customer_ref="crm-7", provider_message_id="a-1")
    )

    owners = {key: point.customer_id for key, point in (await points(sessions)).items()}
    first, second = owners[("email", "shared@example.com")], owners[("external", "crm-7")]
    api_case = await case_of(sessions, "a-1")
    assert api_case.customer_id == second, "the integrator's reference is the strongest identifier"
    assert first != second, "an owned address stays put"
    assert await count(engine, "customers") == 2
    [conflict] = await timeline_of(sessions, api_case.id, "identity_conflict")
    assert conflict.detail["customer_id"] == second
    assert conflict.detail["other_customer_ids"] == [first]
    assert conflict.detail["identifiers"] == [{"kind": "email", "address": "shared@example.com", "customer_id": first}]


async def test_a_merged_customer_is_answered_as_the_survivor(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message("an@example.com", provider_message_id="m-1"))
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", provider_message_id="s-1", display_name="An"))
    survivor, merged = (await case_of(sessions, "m-1")).customer_id, (await case_of(sessions, "s-1")).customer_id
    async with sessions() as session, session.begin():
        await merges.merge(session, survivor_id=survivor, other_id=merged, actor=AGENT, now=inbound.clock())
        # An identifier left with the merged record (linked while the merge ran) still finds the survivor.
        await repository.add_contact_point(
            session,
            customer_id=merged,
            contact=ContactAddress(kind=AddressKind.TELEGRAM, address="tg-5"),
            now=inbound.clock(),
        )

    await inbound.deliver(sessions, sms("0912345678", "Vẫn chưa nhận được", provider_message_id="s-2"))
    telegram = message("tg-5", kind=AddressKind.TELEGRAM, channel=Channel.TELEGRAM, subject=None)
    await inbound.deliver(sessions, telegram.model_copy(update={"provider_message_id": "t-1"}))

    assert (await case_of(sessions, "s-2")).id == (await case_of(sessions, "s-1")).id
    assert (await case_of(sessions, "t-1")).customer_id == survivor
    assert (await points(sessions))[("telegram", "tg-5")].customer_id == merged, "the merge's record is not rewritten"


async def test_a_name_learned_later_fills_the_customer(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", display_name=None))
    await inbound.deliver(sessions, sms("0912345678", "Tôi là Lan", display_name="Nguyễn Thị Lan"))

    [customer] = await all_of(sessions, Customer)
    assert (customer.display_name, customer.name_key, customer.language) == ("Nguyễn Thị Lan", "lan nguyen thi", "vi")
