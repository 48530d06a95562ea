"""How a stored file is served: which ranges are honoured, and which types a browser may show inline."""

from __future__ import annotations

import pytest

from shared.attachment_route import ByteRange, Unsatisfiable, byte_range, disposition


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=10-", ByteRange(10, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-1000", ByteRange(0, 99)),
        ("bytes=95-1000", ByteRange(95, 99)),
        (None, None),
        ("bytes=0-9,20-29", None),  # several ranges: the whole file (RFC 9110 allows ignoring them)
        ("bytes=9-0", None),
        ("items=0-9", None),
        ("bytes=-", None),
    ],
)
def test_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)])
def test_a_range_outside_the_file_is_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        byte_range(header, size)


@pytest.mark.parametrize(
    "content_type", ["text/html", "image/svg+xml", "application/xml", "text/javascript", "application/pdf",
                     "application/octet-stream", "application/xhtml+xml"],
)  # fmt: skip
def test_what_a_browser_could_run_is_always_an_attachment(content_type: str) -> None:
    assert disposition(content_type, "a.html").startswith("attachment;")


def test_plain_media_is_inline_and_every_name_is_quoted_safely() -> None:
    assert disposition("image/png", "ảnh.png") == "inline; filename=\"_nh.png\"; filename*=UTF-8''%E1%BA%A3nh.png"
    assert disposition("text/plain", 'a";b\\.txt') == "inline; filename=\"a__b_.txt\"; filename*=UTF-8''a%22%3Bb%5C.txt"
    assert disposition("audio/ogg", "") == "inline; filename=\"attachment\"; filename*=UTF-8''attachment"
