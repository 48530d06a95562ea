"""Normalizing contact addresses so one customer is found whatever form an address arrives in."""

from __future__ import annotations

import phonenumbers

from shared.events import AddressKind, ContactAddress


def normalize_email(raw: str) -> ContactAddress:
    value = raw.strip().strip("<>").strip()
    valid = value.count("@") == 1 and all(value.split("@")) and " " not in value
    return ContactAddress(kind=AddressKind.EMAIL, address=value.lower(), raw=raw, valid=valid)


def normalize_phone(raw: str, *, default_region: str = "VN") -> ContactAddress:
    """E.164 when the number parses and is possible; otherwise the raw digits, kept and flagged invalid."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return ContactAddress(kind=AddressKind.PHONE, address=e164, raw=raw, valid=True)
    return ContactAddress(kind=AddressKind.PHONE, address=raw.strip() or raw, raw=raw, valid=False)


def normalize_address(kind: AddressKind, raw: str, *, default_region: str = "VN") -> ContactAddress:
    """Normalize `raw` as an address of `kind`. WhatsApp ids are phone numbers and normalize like them."""
    if kind is AddressKind.EMAIL:
        return normalize_email(raw)
    if kind is AddressKind.PHONE:
        return normalize_phone(raw, default_region=default_region)
    if kind is AddressKind.WHATSAPP:
        phone = normalize_phone(raw if raw.startswith("+") else f"+{raw}", default_region=default_region)
        return ContactAddress(kind=kind, address=phone.address, raw=raw, valid=phone.valid)
    return ContactAddress(kind=kind, address=raw.strip(), raw=raw, valid=bool(raw.strip()))


def guess_kind(raw: str) -> AddressKind:
    """For lookups by a bare address: an email has an @, a phone number is mostly digits."""
    value = raw.strip()
    if "@" in value:
        return AddressKind.EMAIL
    digits = sum(ch.isdigit() for ch in value)
    if digits >= 6 and all(ch.isdigit() or ch in "+-(). " for ch in value):
        return AddressKind.PHONE
    return AddressKind.EXTERNAL
