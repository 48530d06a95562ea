"""Finding the same person behind different records: canonical match keys for addresses, and the evidence that two
customers are likely duplicates. Suggestions only: merging is always an agent's decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from case_service.folding import fold
from shared.contacts import normalize_address
from shared.events import AddressKind

_PHONE_KINDS = (AddressKind.PHONE, AddressKind.WHATSAPP)
_GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# A shared domain says nothing about two people when anyone can get an address there.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.com.vn",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "outlook.com.vn",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
    }
)


def match_key(kind: AddressKind, address: str) -> str:
    """The canonical form of an address, equal for the same person's address written differently.

    Phone and WhatsApp numbers -> `tel:+8491...` (the same key for both kinds); email -> `mail:` + the local part
    without its `+tag` (and without dots at Gmail, where googlemail.com is gmail.com) + `@` + domain;
    anything else -> `<kind>:<address>`.
    """
    kind = AddressKind(kind)
    value = address.strip()
    if kind in _PHONE_KINDS:
        normalized = normalize_address(kind, value)
        if normalized.valid:
            return f"tel:{normalized.address}"
        digits = "".join(ch for ch in value if ch.isdigit())
        return f"tel:{'+' if value.startswith('+') else ''}{digits or value}"
    if kind is AddressKind.EMAIL:
        local, domain = _email_parts(value)
        if domain is None:
            return f"mail:{local}"
        return f"mail:{local}@{domain}"
    return f"{kind.value}:{value}"


def name_key(display_name: str | None) -> str | None:
    """A display name folded with its words sorted (`Nguyễn Văn An` = `an nguyen van`); None when it has fewer than
    two letters, too little to compare."""
    if display_name is None:
        return None
    folded = fold(display_name)
    if sum(ch.isalpha() for ch in folded) < 2:
        return None
    return " ".join(sorted(folded.split()))


@dataclass(frozen=True)
class ContactFacts:
    kind: AddressKind
    address: str


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: str
    display_name: str | None
    contacts: tuple[ContactFacts, ...]


@dataclass(frozen=True)
class Evidence:
    rule: str  # "same_phone", "same_email" or "same_name_and_overlapping_contacts"
    detail: str


_RULE_WEIGHT = {"same_phone": 3, "same_email": 3, "same_name_and_overlapping_contacts": 1}


def duplicate_evidence(customer: CustomerFacts, other: CustomerFacts) -> tuple[Evidence, ...]:
    """Why `other` is likely the same person as `customer` (empty: no reason to think so).

    - same_phone: a phone or WhatsApp number of one is the other's number in another form or kind.
    - same_email: an email of one is the other's address in another form (case, `+tag`, Gmail dots).
    - same_name_and_overlapping_contacts: the same name (folded, any word order) and contacts that overlap: the same
      email domain that is not free mail, the same last 8 digits of a phone number, or the same email local part.
    """
    if customer.customer_id == other.customer_id:
        return ()
    found: list[Evidence] = []
    for rule, kinds in (("same_phone", _PHONE_KINDS), ("same_email", (AddressKind.EMAIL,))):
        theirs = {match_key(c.kind, c.address): c for c in other.contacts if c.kind in kinds}
        for contact in customer.contacts:
            if contact.kind not in kinds:
                continue
            match = theirs.get(match_key(contact.kind, contact.address))
            if match is not None:
                detail = f"{contact.kind.value} {contact.address} and {match.kind.value} {match.address}"
                _add(found, Evidence(rule=rule, detail=detail))
    name = name_key(customer.display_name)
    if name is not None and name == name_key(other.display_name):
        overlaps = _overlaps(customer.contacts, other.contacts)
        if overlaps:
            detail = f"both named {customer.display_name!r} (as {other.display_name!r}); " + ", ".join(overlaps)
            _add(found, Evidence(rule="same_name_and_overlapping_contacts", detail=detail))
    return tuple(found)


def suggest_duplicates(
    customer: CustomerFacts, others: Sequence[CustomerFacts]
) -> list[tuple[CustomerFacts, tuple[Evidence, ...]]]:
    """The likely duplicates among `others` with their evidence, strongest first: more evidence, then stronger rules
    (a shared phone or email before a shared name), then in the order given."""
    suggestions = [(other, duplicate_evidence(customer, other)) for other in others]
    with_evidence = [(other, evidence) for other, evidence in suggestions if evidence]
    return sorted(
        with_evidence,
        key=lambda pair: (-len(pair[1]), -max(_RULE_WEIGHT.get(item.rule, 0) for item in pair[1])),
    )


def _overlaps(mine: Sequence[ContactFacts], theirs: Sequence[ContactFacts]) -> list[str]:
    found: list[str] = []
    my_domains, their_domains = _email_field(mine, 1), _email_field(theirs, 1)
    for domain in sorted(my_domains & their_domains - FREE_MAIL_DOMAINS):
        found.append(f"email domain {domain}")
    for local in sorted(_email_field(mine, 0) & _email_field(theirs, 0)):
        found.append(f"email name {local}")
    for tail in sorted(_phone_tails(mine) & _phone_tails(theirs)):
        found.append(f"phone number ending {tail}")
    return found


def _email_field(contacts: Sequence[ContactFacts], index: int) -> set[str]:
    values: set[str] = set()
    for contact in contacts:
        if contact.kind is AddressKind.EMAIL:
            local, domain = _email_parts(contact.address.strip())
            value = local if index == 0 else domain
            if value:
                values.add(value)
    return values


def _phone_tails(contacts: Sequence[ContactFacts]) -> set[str]:
    tails: set[str] = set()
    for contact in contacts:
        if contact.kind in _PHONE_KINDS:
            digits = "".join(ch for ch in match_key(contact.kind, contact.address) if ch.isdigit())
            if len(digits) >= 8:
                tails.add(digits[-8:])
    return tails


def _email_parts(address: str) -> tuple[str, str | None]:
    """The canonical local part and domain of an email address (domain None when it has no @)."""
    value = address.strip().strip("<>").strip().lower()
    if "@" not in value:
        return value, None
    local, _, domain = value.rpartition("@")
    domain = _GMAIL_DOMAINS.get(domain, domain)
    local = local.split("+", 1)[0] or local
    if domain == "gmail.com":
        local = local.replace(".", "")
    return local, domain


def _add(found: list[Evidence], evidence: Evidence) -> None:
    if evidence not in found:
        found.append(evidence)
