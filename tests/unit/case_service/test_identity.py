"""Identity: one person's addresses in different forms share a match key, and likely duplicate customers are
suggested with the evidence, strongest first."""

from __future__ import annotations

import pytest

from case_service.identity import (
    ContactFacts,
    CustomerFacts,
    Evidence,
    duplicate_evidence,
    match_key,
    name_key,
    suggest_duplicates,
)
from shared.events import AddressKind

EMAIL, PHONE, WHATSAPP, ZALO = AddressKind.EMAIL, AddressKind.PHONE, AddressKind.WHATSAPP, AddressKind.ZALO


def customer(customer_id: str, name: str | None, *contacts: tuple[AddressKind, str]) -> CustomerFacts:
    return CustomerFacts(
        customer_id=customer_id,
        display_name=name,
        contacts=tuple(ContactFacts(kind=kind, address=address) for kind, address in contacts),
    )


@pytest.mark.parametrize(
    ("kind", "address", "key"),
    [
        (PHONE, "+84912345678", "tel:+84912345678"),
        (PHONE, "0912 345 678", "tel:+84912345678"),
        (WHATSAPP, "84912345678", "tel:+84912345678"),
        (WHATSAPP, "+84912345678", "tel:+84912345678"),
        (EMAIL, "An.Nguyen+shop@Gmail.com", "mail:annguyen@gmail.com"),
        (EMAIL, "an.nguyen@googlemail.com", "mail:annguyen@gmail.com"),
        (EMAIL, "  <Lan.Tran+vip@Example.VN> ", "mail:lan.tran@example.vn"),
        (EMAIL, "not-an-address", "mail:not-an-address"),
        (ZALO, "123456789", "zalo:123456789"),
        (AddressKind.EXTERNAL, "CRM-42", "external:CRM-42"),
    ],
)
def test_match_key(kind: AddressKind, address: str, key: str) -> None:
    assert match_key(kind, address) == key


def test_an_unparseable_number_keeps_its_digits() -> None:
    assert match_key(PHONE, "12") == "tel:12"
    assert match_key(WHATSAPP, "+1") == match_key(PHONE, "+1")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Nguyễn Văn An", "an nguyen van"),
        ("AN NGUYEN VAN", "an nguyen van"),
        ("Văn An, Nguyễn", "an nguyen van"),
        ("  Trần   Thị Lan ", "lan thi tran"),
        ("A", None),
        ("", None),
        ("123 !!", None),
        (None, None),
    ],
)
def test_name_key(name: str | None, key: str | None) -> None:
    assert name_key(name) == key


def test_same_phone_in_different_form() -> None:
    me = customer("c1", "An", (PHONE, "+84912345678"))
    whatsapp = customer("c2", None, (WHATSAPP, "+84912345678"))
    assert duplicate_evidence(me, whatsapp) == (
        Evidence(rule="same_phone", detail="phone +84912345678 and whatsapp +84912345678"),
    )
    assert [item.rule for item in duplicate_evidence(whatsapp, me)] == ["same_phone"]


def test_same_email_in_different_form() -> None:
    me = customer("c1", None, (EMAIL, "an.nguyen@gmail.com"))
    other = customer("c2", None, (EMAIL, "annguyen+orders@gmail.com"))
    assert duplicate_evidence(me, other) == (
        Evidence(rule="same_email", detail="email an.nguyen@gmail.com and email annguyen+orders@gmail.com"),
    )


def test_dots_count_outside_gmail() -> None:
    me = customer("c1", None, (EMAIL, "an.nguyen@example.com"))
    assert duplicate_evidence(me, customer("c2", None, (EMAIL, "annguyen@example.com"))) == ()


def test_same_name_with_overlapping_contacts() -> None:
    me = customer("c1", "Nguyễn Văn An", (EMAIL, "an@acme.vn"), (PHONE, "+84912345678"))
    colleague_address = customer("c2", "nguyen van an", (EMAIL, "sales@acme.vn"))
    evidence = duplicate_evidence(me, colleague_address)
    assert [item.rule for item in evidence] == ["same_name_and_overlapping_contacts"]
    assert "email domain acme.vn" in evidence[0].detail

    same_tail = customer("c3", "An Nguyễn Văn", (PHONE, "+1 912 345 678"))  # other country, same last 8 digits
    assert "phone number ending 12345678" in duplicate_evidence(me, same_tail)[0].detail

    same_local = customer("c4", "NGUYEN VAN AN", (EMAIL, "an@yahoo.com"))
    assert "email name an" in duplicate_evidence(me, same_local)[0].detail


def test_same_name_alone_or_a_free_mail_domain_is_not_enough() -> None:
    me = customer("c1", "Nguyễn Văn An", (EMAIL, "an.nguyen@gmail.com"))
    assert duplicate_evidence(me, customer("c2", "Nguyễn Văn An", (EMAIL, "vanan88@gmail.com"))) == ()
    assert duplicate_evidence(me, customer("c3", "Nguyễn Văn An")) == ()
    assert duplicate_evidence(me, customer("c4", "Trần Văn An", (EMAIL, "an.nguyen@yahoo.com"))) == ()


def test_nobody_is_their_own_duplicate() -> None:
    me = customer("c1", "An", (PHONE, "+84912345678"))
    assert duplicate_evidence(me, me) == ()


def test_suggestions_strongest_first_with_their_evidence() -> None:
    me = customer("c1", "Nguyễn Văn An", (PHONE, "+84912345678"), (EMAIL, "an.nguyen@acme.vn"), (ZALO, "998877"))
    by_name = customer("c2", "Nguyen Van An", (EMAIL, "director@acme.vn"))
    stranger = customer("c3", "Lê Thị Hoa", (EMAIL, "hoa@example.com"), (ZALO, "112233"))
    by_phone = customer("c4", "Anh An", (WHATSAPP, "84912345678"))
    by_both = customer("c5", "An Nguyen", (WHATSAPP, "84912345678"), (EMAIL, "An.Nguyen+x@acme.vn"))

    suggestions = suggest_duplicates(me, [by_name, stranger, by_phone, by_both, me])
    assert [(other.customer_id, [item.rule for item in evidence]) for other, evidence in suggestions] == [
        ("c5", ["same_phone", "same_email"]),
        ("c4", ["same_phone"]),
        ("c2", ["same_name_and_overlapping_contacts"]),
    ]
