"""The complaint form's rules, without I/O: what a complaint needs (a name, an email or a phone, a subject, the text),
and the gateway message it becomes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.contacts import normalize_email, normalize_phone

MAX_NAME = 200
MAX_EMAIL = 320
MAX_PHONE = 40
MAX_SUBJECT = 200
MAX_TEXT = 10_000
MAX_ORDER = 100
# A case reference typed in the order/reference field: the complaint is about that case (it threads into it only
# when it is this customer's; case_service decides).
CASE_REFERENCE = re.compile(r"^\s*#?\s*([Cc]-\d{4}-\d{6,})\s*$")
FIELDS = ("name", "email", "phone", "subject", "text", "order")


@dataclass(frozen=True)
class Complaint:
    name: str
    email: str
    phone: str
    subject: str
    text: str
    order: str

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> Complaint:
        """The fields as typed (surrounding blanks dropped); anything longer than a field takes is cut well past its
        limit, so it is refused as too long, not processed whole."""

        def field(name: str, limit: int) -> str:
            value = form.get(name)
            return value.strip()[: limit + 1] if isinstance(value, str) else ""

        return cls(
            name=field("name", MAX_NAME),
            email=field("email", MAX_EMAIL),
            phone=field("phone", MAX_PHONE),
            subject=field("subject", MAX_SUBJECT),
            text=field("text", MAX_TEXT),
            order=field("order", MAX_ORDER),
        )

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def problems(complaint: Complaint, *, region: str) -> list[str]:
    """The catalogue keys of what is missing or wrong (empty: it may be sent)."""
    found = []
    if not complaint.name or len(complaint.name) > MAX_NAME:
        found.append("complain.error.name")
    if not complaint.email and not complaint.phone:
        found.append("complain.error.contact")
    if complaint.email and (len(complaint.email) > MAX_EMAIL or not normalize_email(complaint.email).valid):
        found.append("complain.error.email")
    if complaint.phone and (
        len(complaint.phone) > MAX_PHONE or not normalize_phone(complaint.phone, default_region=region).valid
    ):
        found.append("complain.error.phone")
    if not complaint.subject or len(complaint.subject) > MAX_SUBJECT:
        found.append("complain.error.subject")
    if not complaint.text or len(complaint.text) > MAX_TEXT:
        found.append("complain.error.text")
    if len(complaint.order) > MAX_ORDER:
        found.append("complain.error.order")
    return found


def contact_key(complaint: Complaint, *, region: str) -> str:
    """The address the per-address limit counts: the email (lower case), else the phone (E.164)."""
    if complaint.email:
        return normalize_email(complaint.email).address
    return normalize_phone(complaint.phone, default_region=region).address


def gateway_message(complaint: Complaint, *, language: str, labels: Mapping[str, str]) -> dict[str, Any]:
    """The body of `POST /v1/messages` (channel web): from the email when there is one (our answers go by email),
    else the phone; the phone beside an email, and the order number, as lines under the text (`labels` names them
    in the customer's language)."""
    lines = [complaint.text]
    extra = []
    if complaint.email and complaint.phone:
        extra.append(f"{labels['phone']}: {complaint.phone}")
    reference = CASE_REFERENCE.match(complaint.order)
    if complaint.order and reference is None:
        extra.append(f"{labels['order']}: {complaint.order}")
    if extra:
        lines.append("\n".join(["", "—", *extra]))
    subject = complaint.subject
    if reference is not None:
        subject = f"{subject} [#{reference.group(1).upper()}]"
    return {
        "channel": "web",
        "sender_address": complaint.email or complaint.phone,
        "sender_name": complaint.name,
        "subject": subject,
        "text": "\n".join(lines),
        "language": language,
    }
