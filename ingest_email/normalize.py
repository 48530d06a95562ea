"""Pure: a raw RFC 5322 message -> complaint.message.received.v1 (or a delivery report about our own mail).
No I/O: attachment bytes are handed back for the caller to store.

`text` holds the customer's new words (quoted history and signature stripped); the full text, quotes included,
is kept in `metadata["full_text"]`. Whatever cannot be normalized raises Rejected with the reason, and the caller
dead-letters the raw message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

from ingest_email import authresults, dsn, mime
from ingest_email.automated import automated_reason
from ingest_email.headers import addresses, raw_to_text
from ingest_email.htmltext import MAX_HTML_CHARS, html_to_text
from ingest_email.language import guess_language
from ingest_email.msgids import first_id, message_ids
from ingest_email.quotes import strip_reply
from shared import attachments
from shared.contacts import normalize_email
from shared.events import AttachmentMeta, Channel, ComplaintMessageReceived, Sender, ThreadRefs
from shared.html import sanitize_html
from shared.redaction import describe_error

STORE = "ingest_email"  # where the attachments are kept and served (shared.attachments)
MAX_TEXT = 50_000
MAX_FULL_TEXT = 100_000
MAX_HTML = 200_000
MAX_SUBJECT = 998
_KEPT_HEADERS = ("Date", "Reply-To", "Auto-Submitted", "Precedence", "List-Id", "X-Mailer", "User-Agent")


class Rejected(ValueError):
    """The message cannot be made into an event (the reason says why); it goes to the dead letters whole."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """What the SMTP transaction (or a provider's envelope field) said, beside the headers."""

    mail_from: str | None = None
    rcpt_tos: tuple[str, ...] = ()
    # SPF/DKIM/DMARC results the receiving side vouches for: our SMTP listener's own checks, or a provider's fields
    checked: authresults.Checked | None = None


@dataclass(frozen=True)
class Limits:
    attachment_max_bytes: int = 10 * 1024 * 1024
    blocked_types: frozenset[str] = attachments.BLOCKED_TYPES
    blocked_extensions: frozenset[str] = attachments.BLOCKED_EXTENSIONS


@dataclass(frozen=True)
class Normalized:
    data: ComplaintMessageReceived
    blobs: tuple[mime.Blob, ...] = ()  # the attachments to store (content-addressed by sha256)
    bounce: dsn.Bounce | None = None  # set when the mail reports on mail we sent
    refused: tuple[dict[str, Any], ...] = field(default=())


def normalize(
    raw: bytes,
    *,
    provider: str,
    received_at: datetime,
    our_domains: Collection[str],
    our_addresses: Collection[str] = (),
    envelope: Envelope | None = None,
    limits: Limits | None = None,
    trusted_authserv_ids: frozenset[str] = frozenset(),
) -> Normalized:
    """Raises Rejected (and nothing else) when the message cannot be normalized. `metadata["authentication"]` holds
    the verdict on the sender (see `authresults`): from `envelope.checked`, else the `Authentication-Results` of
    the `trusted_authserv_ids`, else the provider's own headers."""
    if not raw or not raw.strip():
        raise Rejected("empty message")
    try:
        return _normalize(
            raw,
            provider,
            received_at,
            our_domains,
            our_addresses,
            envelope or Envelope(),
            limits or Limits(),
            trusted_authserv_ids,
        )
    except Rejected:
        raise
    except RecursionError:
        raise Rejected("MIME structure nested too deeply") from None
    except Exception as error:  # a parser corner nobody foresaw: the message is kept as a dead letter, not lost
        raise Rejected(f"unreadable message: {describe_error(error)}") from None


def _normalize(
    raw: bytes,
    provider: str,
    received_at: datetime,
    our_domains: Collection[str],
    our_addresses: Collection[str],
    envelope: Envelope,
    limits: Limits,
    trusted_authserv_ids: frozenset[str],
) -> Normalized:
    message = mime.parse(raw)
    hints = mime.declared_charsets(message)
    headers = _Headers(message, hints)
    if not headers.names and not message.get_payload():
        raise Rejected("no headers and no body: not a mail message")

    sender_name, sender_address = _sender(headers, envelope)
    if sender_address is None:
        raise Rejected("no sender address (From, Sender, Return-Path and the envelope are all missing or invalid)")
    sender_contact = normalize_email(sender_address)
    if not sender_contact.valid:
        raise Rejected("the sender address is not an email address")  # not repeated: reasons are logged

    walked = mime.walk(message, hints=hints)
    full_text, html = _bodies(walked)
    subject = " ".join(headers.get("Subject").split())[:MAX_SUBJECT] or None
    content_type = message.get_content_type()
    report_type = message.get_param("report-type")
    automated = automated_reason(
        headers.get_or_none,
        sender=sender_contact.address,
        content_type=content_type,
        our_addresses=our_addresses,
    )

    bounce = None
    if dsn.is_report(content_type, report_type if isinstance(report_type, str) else None, sender_contact.address):
        bounce = dsn.bounce_of(enclosed=walked.enclosed, status_blocks=walked.delivery_status, body_text=full_text)

    own_message_id = first_id(headers.get("Message-ID"))
    provider_message_id = own_message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"
    stored, refused = _attachments(walked.blobs, limits)

    new_text = strip_reply(full_text) if full_text else ""
    metadata: dict[str, Any] = {
        "full_text": full_text[:MAX_FULL_TEXT],
        "to": [address for _, address in addresses(headers.get("To"))][:50],
        "cc": [address for _, address in addresses(headers.get("Cc"))][:50],
        "headers": {name: headers.get(name)[:500] for name in _KEPT_HEADERS if headers.get_or_none(name)},
    }
    if automated:
        metadata["automated"] = automated
    if own_message_id is None:
        metadata["message_id_missing"] = True
    if walked.fallback_decoded:
        metadata["charset_fallback"] = True
    if refused:
        metadata["attachments_refused"] = list(refused)
    safe_html = sanitize_html(html[:MAX_HTML]) if html else None
    if safe_html is not None and safe_html.remote_images_blocked:
        metadata["remote_images_blocked"] = safe_html.remote_images_blocked
    if walked.enclosed and content_type != "multipart/report":
        metadata["forwarded"] = [_summary(enclosed, hints) for enclosed in walked.enclosed[:10]]
    if html and len(html) > MAX_HTML_CHARS and not any(part.strip() for part in walked.plain):
        metadata["html_text_truncated"] = MAX_HTML_CHARS  # the text is that of the HTML's first characters only
    if len(full_text) > MAX_FULL_TEXT or len(new_text) > MAX_TEXT or (html and len(html) > MAX_HTML):
        metadata["truncated"] = True
    if envelope.mail_from is not None:
        metadata["envelope_from"] = envelope.mail_from[:500]
    metadata["authentication"] = _authentication(
        message, provider, envelope, sender=sender_contact.address, trusted=trusted_authserv_ids
    )

    data = ComplaintMessageReceived(
        channel=Channel.EMAIL,
        provider=provider,
        provider_message_id=provider_message_id[:500],
        received_at=received_at,
        sender=Sender(**sender_contact.model_dump(), display_name=sender_name or None),
        recipient=_recipient(headers, envelope, our_domains),
        subject=subject,
        text=new_text[:MAX_TEXT],
        html=safe_html.html if safe_html is not None else None,
        language=guess_language(new_text or full_text or (subject or ""), headers.get_or_none("Content-Language")),
        attachments=tuple(_meta(blob) for blob in stored),
        thread=ThreadRefs(
            message_id=own_message_id,
            in_reply_to=first_id(headers.get("In-Reply-To")),
            references=message_ids(headers.get("References")),
        ),
        auto_submitted=automated is not None,
        metadata=metadata,
    )
    return Normalized(data=data, blobs=tuple(stored), bounce=bounce, refused=tuple(refused))


class _Headers:
    """Decoded header values by name (the first of each), looked up case-insensitively."""

    def __init__(self, message: Message, hints: Sequence[str]) -> None:
        self._values: dict[str, str] = {}
        for name, value in message.raw_items():
            key = str(name).strip().lower()
            if key and key not in self._values:
                self._values[key] = raw_to_text(str(value), hints=hints)
        self.names = frozenset(self._values)

    def get(self, name: str) -> str:
        return self._values.get(name.lower(), "")

    def get_or_none(self, name: str) -> str | None:
        return self._values.get(name.lower())


def _sender(headers: _Headers, envelope: Envelope) -> tuple[str, str | None]:
    for name in ("From", "Sender", "Reply-To"):
        found = addresses(headers.get(name))
        if found:
            return found[0]
    for candidate in (envelope.mail_from, headers.get("Return-Path")):
        found = addresses(candidate)
        if found:
            return "", found[0][1]
    return "", None


_SIGNING_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]{1,253})")


def _authentication(
    message: Message, provider: str, envelope: Envelope, *, sender: str, trusted: frozenset[str]
) -> dict[str, Any]:
    """The verdict on the sender: what the receiving side checked, else what trusted hosts wrote in the mail."""
    checked = envelope.checked
    if checked is None:
        values = [str(value) for value in message.get_all("Authentication-Results") or []]
        checked = authresults.from_authentication_results(values, trusted=trusted)
    if checked is None:
        first = {name.lower(): str(message.get(name, "")) for name in _PROVIDER_HEADERS if message.get(name)}
        signatures = [str(value)[: authresults.MAX_HEADER] for value in message.get_all("DKIM-Signature") or []]
        domains = list(dict.fromkeys(found[1].lower() for value in signatures for found in _signing_domains(value)))
        mail_from = envelope.mail_from or str(message.get("Return-Path", "")) or None
        checked = authresults.from_provider_headers(provider, first, mail_from=mail_from, dkim_domains=domains)
    return authresults.verdict(checked, sender_domain=authresults.domain_of(sender))


_PROVIDER_HEADERS = ("X-Mailgun-Spf", "X-Mailgun-Dkim-Check-Result", "Received-SPF")


def _signing_domains(signature: str) -> list[re.Match[str]]:
    return list(_SIGNING_DOMAIN.finditer(" ".join(signature.split())))


def _recipient(headers: _Headers, envelope: Envelope, our_domains: Collection[str]) -> str | None:
    """The address of ours the customer wrote to (the envelope's first, else the headers'), else the first To."""
    domains = {domain.lower() for domain in our_domains}
    candidates = [*envelope.rcpt_tos]
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        candidates.extend(address for _, address in addresses(headers.get(name)))
    for candidate in candidates:
        address = candidate.strip().strip("<>").lower()
        if address.rpartition("@")[2] in domains:
            return address[:320]
    first = next(iter(candidates), None)
    return first.strip().strip("<>").lower()[:320] if first else None


def _bodies(walked: mime.Walked) -> tuple[str, str | None]:
    html = walked.html[0] if walked.html else None
    plain = "\n\n".join(part.strip("\n") for part in walked.plain if part.strip())
    if plain:
        return plain.replace("\r\n", "\n"), html
    if html:
        return html_to_text(html), html
    return "", None


def _attachments(blobs: list[mime.Blob], limits: Limits) -> tuple[list[mime.Blob], list[dict[str, Any]]]:
    stored, refused = [], []
    for blob in blobs:
        reason = attachments.refusal(
            filename=blob.filename,
            content_type=blob.content_type,
            content=blob.content,
            blocked_types=limits.blocked_types,
            blocked_extensions=limits.blocked_extensions,
        )
        reason = attachments.too_large(len(blob.content), limits.attachment_max_bytes) or reason
        if reason is None:
            stored.append(blob)
        else:
            facts = {"filename": blob.filename, "content_type": blob.content_type, "size": len(blob.content)}
            refused.append({**facts, "reason": reason})
    return stored, refused


def _meta(blob: mime.Blob) -> AttachmentMeta:
    return AttachmentMeta(
        filename=blob.filename,
        content_type=blob.content_type,
        size=len(blob.content),
        sha256=blob.sha256,
        content_id=blob.content_id,
        store=STORE,
    )


def _summary(enclosed: Message, hints: Sequence[str]) -> dict[str, str | None]:
    return {
        "from": raw_to_text(str(enclosed.get("From", "")), hints=hints)[:320] or None,
        "subject": raw_to_text(str(enclosed.get("Subject", "")), hints=hints)[:MAX_SUBJECT] or None,
        "message_id": first_id(str(enclosed.get("Message-ID", ""))),
    }
