"""Pure: the mail a case asked for, as an RFC 5322 message that threads in the customer's mail client.

Message-ID is the request's own (`<outbound_id@domain>`, made by the case service), In-Reply-To and References
point at the customer's message, the subject carries `[#<case reference>]` (the case service puts it there), and
automatic mail (acknowledgements, surveys) says `Auto-Submitted: auto-replied` so the customer's robots do not
answer it. A plain text part and an HTML part carry the same words; a reply's files follow as attachment parts.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from ingest_email.automated import OUTBOUND_ID_HEADER
from ingest_email.models import SentEmail
from shared.events import OutboundPurpose
from shared.ingest.outbound_files import OutgoingFile

AUTOMATIC = frozenset({OutboundPurpose.ACKNOWLEDGEMENT.value, OutboundPurpose.SURVEY.value})


def compose(message: SentEmail, *, display_name: str | None = None, files: Sequence[OutgoingFile] = ()) -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = formataddr((display_name, message.from_address)) if display_name else message.from_address
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.requested_at)
    mail["Message-ID"] = message.message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references:
        mail["References"] = message.references
    if message.purpose in AUTOMATIC:
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office replies to an acknowledgement
    mail[OUTBOUND_ID_HEADER] = message.outbound_id
    mail.set_content(message.body, subtype="plain", charset="utf-8")
    mail.add_alternative(as_html(message.body), subtype="html", charset="utf-8")
    for file in files:
        maintype, _, subtype = file.content_type.partition("/")
        mail.add_attachment(file.content, maintype=maintype, subtype=subtype, filename=file.filename)
    if message.language:
        mail["Content-Language"] = message.language  # after the parts: setting content clears Content-* headers
    return mail


def as_html(text: str) -> str:
    """The plain text as simple HTML: paragraphs on blank lines, line breaks kept, everything escaped."""
    paragraphs = [part for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    body = "\n".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'
