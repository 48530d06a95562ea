"""Delivery reports (RFC 3464 multipart/report, and the free-form bounces some servers still send) about mail we
sent: our Message-IDs are `<outbound_id@domain>` (case_service makes them), and our mail carries the outbound id
in a header too, so the original's id inside the report names the request that failed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message

from ingest_email.automated import OUTBOUND_ID_HEADER
from ingest_email.msgids import message_ids
from shared.events import DeliveryStatus

_OUTBOUND_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IN_TEXT = re.compile(
    rf"(?:{OUTBOUND_ID_HEADER}:\s*|Message-ID:\s*<)([0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})",
    re.IGNORECASE,
)
MAX_ERROR = 500


@dataclass(frozen=True)
class Bounce:
    """A report about mail we sent: which requests, and what became of them (None: only delayed)."""

    outbound_ids: tuple[str, ...]
    status: DeliveryStatus | None
    error: str | None


def is_report(content_type: str, report_type: str | None, sender: str | None) -> bool:
    """A delivery report: multipart/report of type delivery-status, or a free-form bounce from a mail daemon."""
    if content_type == "multipart/report":
        return (report_type or "delivery-status").lower() == "delivery-status"
    local = (sender or "").lower().rpartition("@")[0]
    return local in ("mailer-daemon", "postmaster")


def bounce_of(*, enclosed: Iterable[Message], status_blocks: list[dict[str, str]], body_text: str) -> Bounce | None:
    """The report's verdict on our mail, when the original it encloses (or quotes) is ours."""
    ids: dict[str, None] = {}
    for original in enclosed:
        header = original.get(OUTBOUND_ID_HEADER)
        if header is not None and _OUTBOUND_ID.match(str(header).strip().lower()):
            ids.setdefault(str(header).strip().lower(), None)
        for message_id in message_ids(str(original.get("Message-ID", ""))):
            local = message_id.strip("<>").partition("@")[0].lower()
            if _OUTBOUND_ID.match(local):
                ids.setdefault(local, None)
    if not ids:
        for match in _IN_TEXT.finditer(body_text):
            ids.setdefault(match.group(1).lower(), None)
    if not ids:
        return None
    status, error = _verdict(status_blocks, body_text)
    return Bounce(outbound_ids=tuple(ids), status=status, error=error)


def _verdict(blocks: list[dict[str, str]], body_text: str) -> tuple[DeliveryStatus | None, str | None]:
    recipients = [block for block in blocks if "action" in block or "status" in block]
    if not recipients:
        first_lines = " ".join(line.strip() for line in body_text.splitlines()[:6] if line.strip())
        return DeliveryStatus.FAILED, f"bounced: {first_lines}"[:MAX_ERROR] if first_lines else "bounced"
    actions = [block.get("action", "").strip().lower() for block in recipients]
    codes = [block.get("status", "").strip() for block in recipients]
    failed = [index for index, action in enumerate(actions) if action == "failed" or codes[index].startswith("5")]
    if failed:
        block = recipients[failed[0]]
        return DeliveryStatus.FAILED, _describe(block)
    if any(action in ("delivered", "relayed", "expanded") for action in actions):
        return DeliveryStatus.DELIVERED, None
    return None, _describe(recipients[0])  # delayed: not news for the case yet


def _describe(block: dict[str, str]) -> str:
    parts = [
        block.get("status", "").strip(),
        block.get("diagnostic-code", "").strip(),
        block.get("final-recipient", "").strip(),
    ]
    text = " ".join(" ".join(part.split()) for part in parts if part)
    return text[:MAX_ERROR] or "delivery failed"
