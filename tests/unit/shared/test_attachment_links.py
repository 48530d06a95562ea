"""Signed attachment links: a link opens only the file, case, name and type it was signed for, until it expires, and
only with the key it was signed with."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.attachment_links import Link, signature, verified

KEY = "attachment-link-test-key-0123456789abcdefXYZ"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LINK = Link(
    store="gateway", sha256="a" * 64, case="case-1", exp=int(NOW.timestamp()) + 60, name="hóa đơn.pdf",
    content_type="application/pdf",
)  # fmt: skip


def test_a_link_carries_what_the_store_needs_to_check_it() -> None:
    url = LINK.url(KEY, base_url="http://127.0.0.1:8000")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("127.0.0.1:8000", "/v1/attachments/" + "a" * 64)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert query == {
        "case": "case-1", "exp": str(LINK.exp), "name": "hóa đơn.pdf", "type": "application/pdf",
        "sig": signature(KEY, LINK),
    }  # fmt: skip
    assert verified(KEY, LINK, sig=query["sig"], now=NOW)


@pytest.mark.parametrize(
    "changed",
    [
        {"store": "ingest_email"},
        {"sha256": "b" * 64},
        {"case": "case-2"},
        {"exp": LINK.exp + 3600},
        {"name": "hóa đơn.html"},
        {"content_type": "text/html"},
    ],
)
def test_changing_anything_in_a_link_breaks_its_signature(changed: dict[str, object]) -> None:
    assert not verified(KEY, replace(LINK, **changed), sig=signature(KEY, LINK), now=NOW)  # type: ignore[arg-type]


def test_an_expired_link_another_key_or_no_key_opens_nothing() -> None:
    sig = signature(KEY, LINK)
    assert not verified(KEY, LINK, sig=sig, now=datetime.fromtimestamp(LINK.exp, UTC))
    assert not verified("another-attachment-link-key-9876543210zyx", LINK, sig=sig, now=NOW)
    assert not verified(None, LINK, sig=sig, now=NOW)


def test_a_weak_key_signs_nothing() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        signature("short", LINK)
