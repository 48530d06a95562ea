"""Case rules: reference numbers, which assignment counts, who a message identifies, where an address may point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from case_service.domain import (
    RecurringRule,
    assignment_is_newer,
    contact_candidates,
    extra_identifiers,
    format_reference,
    identifiers_to_link,
    message_identifiers,
    owning_customer,
    reference_year,
    sender_contact,
)
from shared.events import AddressKind, ContactAddress, Sender

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [(2026, 123, "C-2026-000123"), (2026, 1, "C-2026-000001"), (2027, 1_234_567, "C-2027-1234567")],
)
def test_reference_is_year_and_zero_padded_number(year: int, number: int, reference: str) -> None:
    assert format_reference(year, number) == reference


@pytest.mark.parametrize(("year", "number"), [(2026, 0), (0, 1), (10_000, 1)])
def test_reference_refuses_impossible_numbers(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        format_reference(year, number)


def test_reference_year_is_the_utc_year() -> None:
    new_year_in_hanoi = datetime(2027, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=7)))
    assert reference_year(new_year_in_hanoi) == 2026
    assert reference_year(datetime(2027, 1, 1)) == 2027


def test_only_an_assignment_at_least_as_recent_counts() -> None:
    assert assignment_is_newer(None, NOW)
    assert assignment_is_newer(NOW, NOW + timedelta(seconds=1))
    assert not assignment_is_newer(NOW, NOW - timedelta(seconds=1))
    assert assignment_is_newer(NOW.replace(tzinfo=None), NOW), "naive times are UTC"


@pytest.mark.parametrize("written", ["0912345678", "+84 912 345 678", "+84912345678", "(091) 234-5678"])
def test_a_sender_phone_normalizes_to_e164_whatever_its_form(written: str) -> None:
    contact = sender_contact(Sender(kind=AddressKind.PHONE, address=written), default_region="VN")
    assert (contact.kind, contact.address, contact.raw, contact.valid) == (
        AddressKind.PHONE,
        "+84912345678",
        written,
        True,
    )


def test_a_sender_email_is_lower_cased_and_keeps_what_the_provider_sent() -> None:
    contact = sender_contact(
        Sender(kind=AddressKind.EMAIL, address="An@Example.COM", raw="An <An@Example.COM>"), default_region="VN"
    )
    assert (contact.address, contact.raw) == ("an@example.com", "An <An@Example.COM>")


def test_message_identifies_the_sender_and_the_customer_ref_strongest_first() -> None:
    sender = ContactAddress(kind=AddressKind.EMAIL, address="an@example.com")
    assert message_identifiers(sender, None) == (sender,)
    assert message_identifiers(sender, "   ") == (sender,)
    [ref, same_sender] = message_identifiers(sender, " crm-42 ")
    assert (ref.kind, ref.address, same_sender) == (AddressKind.EXTERNAL, "crm-42", sender)


def test_a_customer_ref_that_is_the_sender_is_one_identifier() -> None:
    sender = ContactAddress(kind=AddressKind.EXTERNAL, address="crm-42")
    [only] = message_identifiers(sender, "crm-42")
    assert (only.kind, only.address) == (AddressKind.EXTERNAL, "crm-42")


def test_a_whatsapp_id_also_names_the_phone_and_extra_identifiers_come_last() -> None:
    whatsapp = ContactAddress(kind=AddressKind.WHATSAPP, address="+84912345678", raw="84912345678")
    [phone] = extra_identifiers(whatsapp, {}, default_region="VN")
    assert (phone.kind, phone.address, phone.valid) == (AddressKind.PHONE, "+84912345678", True)
    ref, sender, also = message_identifiers(whatsapp, "crm-1", extra=(phone,))
    assert (ref.kind, sender, also) == (AddressKind.EXTERNAL, whatsapp, phone)


def test_an_invalid_whatsapp_id_names_no_phone() -> None:
    whatsapp = ContactAddress(kind=AddressKind.WHATSAPP, address="12", valid=False)
    assert extra_identifiers(whatsapp, {}, default_region="VN") == ()


def test_identifiers_an_adapter_lists_are_normalized_and_junk_is_ignored() -> None:
    sender = ContactAddress(kind=AddressKind.EMAIL, address="an@example.com")
    listed = [
        {"kind": "PHONE", "address": "0912 345 678"},
        {"kind": "email", "address": "An@Example.com"},
        {"kind": "fax", "address": "123"},
        {"kind": "zalo", "address": "  "},
        {"address": "x"},
        "zalo:1",
    ]
    found = extra_identifiers(sender, {"identifiers": listed}, default_region="VN")
    assert [(c.kind, c.address) for c in found] == [
        (AddressKind.PHONE, "+84912345678"),
        (AddressKind.EMAIL, "an@example.com"),
    ]
    [only] = message_identifiers(sender, None, extra=found[1:])
    assert only == sender, "an identifier listed twice counts once"
    assert extra_identifiers(sender, {"identifiers": "not a list"}, default_region="VN") == ()


def test_an_adapter_lists_a_handful_of_identifiers_at_most() -> None:
    sender = ContactAddress(kind=AddressKind.EMAIL, address="an@example.com")
    listed = [{"kind": "telegram", "address": f"tg-{n}"} for n in range(50)]
    assert len(extra_identifiers(sender, {"identifiers": listed}, default_region="VN")) == 5


def test_the_strongest_known_identifier_names_the_customer_and_unknown_ones_get_linked() -> None:
    ref = ContactAddress(kind=AddressKind.EXTERNAL, address="crm-42")
    email = ContactAddress(kind=AddressKind.EMAIL, address="an@example.com")
    identifiers = (ref, email)

    assert owning_customer(identifiers, {}) is None
    assert identifiers_to_link(identifiers, {}) == identifiers

    known_email = {(AddressKind.EMAIL, "an@example.com"): "cust-1"}
    assert owning_customer(identifiers, known_email) == "cust-1"
    assert identifiers_to_link(identifiers, known_email) == (ref,)

    both = {**known_email, (AddressKind.EXTERNAL, "crm-42"): "cust-2"}
    assert owning_customer(identifiers, both) == "cust-2"
    assert identifiers_to_link(identifiers, both) == ()


def test_a_typed_email_is_looked_up_lower_cased() -> None:
    assert contact_candidates(" An@Example.com ", kind=None, default_region="VN") == (
        (AddressKind.EMAIL, "an@example.com"),
    )


def test_a_typed_number_may_be_a_phone_a_whatsapp_number_or_a_platform_id() -> None:
    candidates = contact_candidates("0912 345 678", kind=None, default_region="VN")
    assert (AddressKind.PHONE, "+84912345678") in candidates
    assert (AddressKind.WHATSAPP, "+84912345678") in candidates
    assert (AddressKind.TELEGRAM, "0912 345 678") in candidates
    assert not {kind for kind, _ in candidates} & {AddressKind.EMAIL}


def test_a_typed_platform_id_is_looked_up_as_any_platform_kind() -> None:
    candidates = contact_candidates("crm-42", kind=None, default_region="VN")
    assert {kind for kind, _ in candidates} == {
        AddressKind.MESSENGER,
        AddressKind.INSTAGRAM,
        AddressKind.TELEGRAM,
        AddressKind.ZALO,
        AddressKind.X,
        AddressKind.EXTERNAL,
    }
    assert {address for _, address in candidates} == {"crm-42"}


def test_a_given_kind_is_the_only_one_looked_up() -> None:
    assert contact_candidates("0912345678", kind=AddressKind.WHATSAPP, default_region="VN") == (
        (AddressKind.WHATSAPP, "+84912345678"),
    )
    assert contact_candidates("12345678", kind=AddressKind.TELEGRAM, default_region="VN") == (
        (AddressKind.TELEGRAM, "12345678"),
    )


def test_a_typed_platform_address_names_its_kind() -> None:
    assert contact_candidates("messenger:6745123409876543", kind=None, default_region="VN") == (
        (AddressKind.MESSENGER, "6745123409876543"),
    )
    assert contact_candidates(" Zalo:8562000080395427070 ", kind=None, default_region="VN") == (
        (AddressKind.ZALO, "8562000080395427070"),
    )
    assert contact_candidates("x:1587000000000000123", kind=None, default_region="VN") == (
        (AddressKind.X, "1587000000000000123"),
    )
    assert contact_candidates("whatsapp:0912 345 678", kind=None, default_region="VN") == (
        (AddressKind.WHATSAPP, "+84912345678"),
    )
    assert contact_candidates("telegram:42", kind=AddressKind.TELEGRAM, default_region="VN") == (
        (AddressKind.TELEGRAM, "42"),
    )


def test_a_colon_that_is_not_a_platform_prefix_is_part_of_the_address() -> None:
    assert contact_candidates("crm:42", kind=None, default_region="VN")[0] == (AddressKind.MESSENGER, "crm:42")
    assert contact_candidates("telegram:", kind=None, default_region="VN")[0] == (AddressKind.MESSENGER, "telegram:")


def test_a_recurring_problem_needs_enough_customers_and_a_rise_over_the_baseline() -> None:
    rule = RecurringRule(window=timedelta(hours=1), baseline_period=timedelta(hours=24), min_customers=5, factor=3.0)
    assert rule.baseline(48) == 2.0  # 48 customers a day: two an hour
    assert rule.baseline(1) == round(1 / 24, 4)
    assert not rule.rises(4, 0.0), "too few customers, however quiet it was"
    assert rule.rises(5, 0.0)
    assert not rule.rises(5, 2.0), "five is not three times two"
    assert rule.rises(6, 2.0)
