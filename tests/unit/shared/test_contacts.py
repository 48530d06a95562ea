"""Normalizing contact addresses: the same person is found whatever form the address arrives in."""

from __future__ import annotations

import pytest

from shared.contacts import guess_kind, normalize_address, normalize_email, normalize_phone
from shared.events import AddressKind


@pytest.mark.parametrize(
    "raw",
    ["0912345678", "+84912345678", "+84 912 345 678", "(091) 234-5678", "84912345678", "0084912345678"],
)
def test_vietnamese_mobile_in_any_form_becomes_e164(raw: str):
    contact = normalize_phone(raw, default_region="VN")
    assert contact.address == "+84912345678"
    assert contact.valid
    assert contact.raw == raw


def test_default_region_is_configurable():
    assert normalize_phone("020 7946 0958", default_region="GB").address == "+442079460958"


def test_unparseable_number_is_kept_and_flagged():
    contact = normalize_phone("call me maybe", default_region="VN")
    assert contact.address == "call me maybe"
    assert not contact.valid


def test_email_is_lower_cased_and_trimmed():
    contact = normalize_email("  <Minh.Nguyen@Example.COM> ")
    assert contact.address == "minh.nguyen@example.com"
    assert contact.valid


def test_email_without_domain_is_flagged():
    assert not normalize_email("minh@").valid


def test_whatsapp_id_normalizes_like_a_phone_number():
    contact = normalize_address(AddressKind.WHATSAPP, "84912345678")
    assert contact.kind is AddressKind.WHATSAPP
    assert contact.address == "+84912345678"


def test_platform_ids_are_kept_verbatim_as_strings():
    contact = normalize_address(AddressKind.ZALO, " 8453812345678901234 ")
    assert contact.address == "8453812345678901234"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [("a@b.vn", AddressKind.EMAIL), ("+84 912 345 678", AddressKind.PHONE), ("CRM-0042", AddressKind.EXTERNAL)],
)
def test_guess_kind_for_bare_lookups(raw: str, kind: AddressKind):
    assert guess_kind(raw) is kind
