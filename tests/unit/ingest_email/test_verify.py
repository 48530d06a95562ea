"""Mailgun's signed fields read from the raw body, before any form parsing: multipart and urlencoded alike."""

from __future__ import annotations

import httpx

from ingest_email.verify import mailgun_fields

SIGNED = {"timestamp": "1764000000", "token": "a" * 50, "signature": "f" * 64}


def _encoded(**kwargs: object) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://mailgun.test", **kwargs)  # type: ignore[arg-type]
    return request.read(), request.headers["content-type"]


def test_the_signed_fields_come_out_of_multipart_and_urlencoded_bodies() -> None:
    files = {"attachment-1": ("hoa-don.pdf", b"%PDF" * 10_000, "application/pdf")}
    assert mailgun_fields(*_encoded(data={**SIGNED, "body-plain": "x" * 10_000}, files=files)) == SIGNED
    assert mailgun_fields(*_encoded(data={**SIGNED, "token": "a b&c=d"})) == {**SIGNED, "token": "a b&c=d"}


def test_a_field_over_1_kib_or_a_broken_body_yields_nothing_and_no_error() -> None:
    assert "token" not in mailgun_fields(*_encoded(data={**SIGNED, "token": "a" * 2000}, files={"f": b"1"}))
    assert "token" not in mailgun_fields(*_encoded(data={**SIGNED, "token": "a" * 2000}))
    assert mailgun_fields(b"--b\r\nbroken", "multipart/form-data; boundary=b") == {}
    assert mailgun_fields(b"\xff\xfe", "multipart/form-data") == {}
    assert mailgun_fields(b"token=x", "text/plain") == {}
