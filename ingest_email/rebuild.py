"""Pure: the parsed forms of SendGrid, Mailgun and Postmark rebuilt into one RFC 5322 message, so every path goes
through the same normalizer. Headers the provider passes along are kept (Message-ID, In-Reply-To, References,
Auto-Submitted...); the MIME structure is new: text, HTML and the attachments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP

from shared.filenames import safe_filename

_DROPPED = re.compile(r"^(content-|mime-version$)", re.IGNORECASE)
_NAME = re.compile(r"^[!-9;-~]{1,100}$")  # a header field name: printable ASCII without the colon
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,64}$")  # type/subtype
_OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class File:
    filename: str | None
    content_type: str
    content: bytes
    content_id: str | None = None


def rebuild(
    headers: Iterable[tuple[str, str]],
    *,
    text: str | None,
    html: str | None,
    files: Sequence[File] = (),
) -> bytes:
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(text or "", "plain", "utf-8"))
    if html:
        body.attach(MIMEText(html, "html", "utf-8"))
    root: MIMEMultipart = body
    if files:
        root = MIMEMultipart("mixed")
        root.attach(body)
        for file in files:
            # Every value below is the provider's copy of what the sender wrote: a CR or LF in it would write
            # headers of its own into the rebuilt part, so each is reduced to what its header may hold.
            declared = (file.content_type or "").split(";", 1)[0].strip().lower()
            content_type = declared if _CONTENT_TYPE.match(declared) else _OCTET_STREAM
            part = MIMEApplication(file.content, _subtype=content_type.partition("/")[2])
            part.replace_header("Content-Type", content_type)
            filename = safe_filename(file.filename)
            content_id = "".join(char for char in file.content_id or "" if "!" <= char <= "~").strip("<>")
            if filename:
                part.add_header("Content-Disposition", "inline" if content_id else "attachment", filename=filename)
            if content_id:
                part.add_header("Content-ID", f"<{content_id}>")
            root.attach(part)
    lines = []
    for name, value in headers:
        name = name.strip()
        if not _NAME.match(name) or _DROPPED.match(name):
            continue
        lines.append(f"{name}: {' '.join(str(value).split())}")
    head = "\r\n".join(lines).encode("utf-8")
    mime = root.as_bytes(policy=SMTP)
    return head + b"\r\n" + mime if head else mime


def header_block(text: str) -> list[tuple[str, str]]:
    """A raw header block (SendGrid's `headers`) as (name, value) pairs, folded lines joined."""
    pairs: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            pairs.append((name.strip(), value.strip()))
    return pairs
