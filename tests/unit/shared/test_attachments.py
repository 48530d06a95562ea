"""The attachment policy every service applies, and the content-addressed store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shared.attachments import REFUSED_PROGRAM, REFUSED_TYPE, AttachmentStore, Refused, judge, media_type, store_root

PDF = b"%PDF-1.7\n"


def test_an_accepted_file_has_its_safe_name_media_type_and_hash() -> None:
    accepted = judge(filename="hóa\u200b đơn.pdf", content_type="Application/PDF; name=x", content=PDF, max_bytes=100)
    assert (accepted.filename, accepted.content_type, accepted.size) == ("hóa đơn.pdf", "application/pdf", len(PDF))
    assert accepted.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(
    ("filename", "content_type", "content", "reason"),
    [
        ("a.exe", "application/pdf", PDF, REFUSED_TYPE),
        ("a.pdf", "application/x-msdownload", PDF, REFUSED_TYPE),
        ("a.pdf", "application/pdf", b"\x7fELF....", REFUSED_PROGRAM),
        ("a.pdf", "application/pdf", PDF * 20, "larger than 100 bytes"),
    ],
)
def test_refusals_say_why(filename: str, content_type: str, content: bytes, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        judge(filename=filename, content_type=content_type, content=content, max_bytes=100)
    assert (refused.value.filename, refused.value.reason) == (filename, reason)


@pytest.mark.parametrize("declared", [None, "", "text", "text/html\r\nX-Evil: 1", "a/b/c", "image/png extra"])
def test_a_type_that_is_not_a_media_type_is_served_as_octet_stream(declared: str | None) -> None:
    assert media_type(declared) == "application/octet-stream"


def test_the_store_keeps_a_file_once_under_its_hash_and_finds_nothing_else(tmp_path: Path) -> None:
    store = AttachmentStore(store_root(tmp_path, "gateway"))
    sha = hashlib.sha256(PDF).hexdigest()
    path = store.put(sha, PDF)
    assert path == tmp_path / "attachments" / "gateway" / sha[:2] / sha
    assert store.put(sha, PDF) == path and path.read_bytes() == PDF
    assert store.find(sha) == path
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temporary file left behind
    for name in ("../" + sha, sha.upper(), "0" * 64, "", sha[:-1]):
        assert store.find(name) is None
