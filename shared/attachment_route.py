"""Serving a stored attachment to whoever holds a valid signed link (shared.attachment_links): every service that
stores files includes `attachment_router`.

The bytes go out under the signed type with `X-Content-Type-Options: nosniff`, a sandboxing Content-Security-Policy
and `Content-Disposition: attachment` for anything a browser could run or render as a page (HTML, SVG, XML,
scripts, PDF, anything unknown): only plain images, audio, video and plain text are shown inline. A single byte
range is served as 206 (an unsatisfiable one 416). A bad signature, an expired link and an unknown file all answer
the same 404, so a link tells nothing about what exists.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from shared.attachment_links import PATH, Link, verified
from shared.attachments import AttachmentStore, media_type
from shared.problems import PROBLEM_JSON, Problem

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# Shown in the browser: types that cannot carry script or a page (SVG, HTML, XML and PDF can, so they are not here).
INLINE_TYPES = frozenset(
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif",
        "audio/mpeg", "audio/ogg", "audio/wav", "audio/x-wav", "audio/webm", "audio/mp4", "audio/aac", "audio/amr",
        "video/mp4", "video/webm", "video/ogg", "video/quicktime", "video/3gpp",
        "text/plain",
    }
)  # fmt: skip
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Accept-Ranges": "bytes",
}
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")


class Unsatisfiable(ValueError):
    """The range asks for bytes the file does not have (416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range of a `Range: bytes=...` header within a file of `size` bytes; None to send the whole file (no
    header, one that is not a single bytes range: RFC 9110 lets a server ignore those). Raises Unsatisfiable."""
    found = _RANGE.match((header or "").strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable()
        return ByteRange(start=max(0, size - suffix), end=size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise Unsatisfiable()
    return ByteRange(start=start, end=end)


def disposition(content_type: str, filename: str) -> str:
    """inline for the harmless types, attachment for the rest, with the name for every browser (RFC 6266)."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    name = filename or "attachment"
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%;' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_router(*, store: AttachmentStore, store_name: str, link_key: str | None) -> APIRouter:
    """GET /v1/attachments/{sha256} on a service whose files are in `store`, named `store_name` in links."""
    router = APIRouter(tags=["attachments"])

    @router.get(
        PATH,
        summary="Download a stored attachment (signed link)",
        response_class=Response,
        responses={
            200: {"description": "The file", "content": {"application/octet-stream": {}}},
            206: {"description": "The requested byte range (Content-Range)"},
            404: {"description": "Bad signature, expired link or unknown file", "content": {PROBLEM_JSON: {}}},
            416: {"description": "The range is outside the file", "content": {PROBLEM_JSON: {}}},
        },
    )
    async def download(
        sha256: str,
        case: Annotated[str, Query(max_length=64, description="The case the link was issued for.")],
        exp: Annotated[int, Query(ge=0, lt=2**40, description="Valid until (seconds since the epoch).")],
        sig: Annotated[str, Query(max_length=64, description="The link's signature.")],
        name: Annotated[str, Query(max_length=255, description="The file name to save it as.")] = "",
        type: Annotated[str, Query(max_length=255, description="The file's media type.")] = "",  # noqa: A002
        range_header: Annotated[str | None, Header(alias="Range", max_length=200)] = None,
    ) -> Response:
        """The file's bytes, as the link signed by case_service describes it; a `Range` of one span is honoured."""
        link = Link(store=store_name, sha256=sha256, case=case, exp=exp, name=name, content_type=type)
        path = store.find(sha256) if verified(link_key, link, sig=sig, now=datetime.now(UTC)) else None
        if path is None:
            log.info("refused an attachment download: bad or expired link, or no such file")
            raise Problem(404, "attachment-not-found", "Attachment not found", "The link is not valid (any more).")
        return await _file_response(path, link, range_header)

    return router


async def _file_response(path: Path, link: Link, range_header: str | None) -> Response:
    size = (await anyio.Path(path).stat()).st_size
    content_type = media_type(link.content_type)
    headers = {**SECURITY_HEADERS, "Content-Disposition": disposition(content_type, link.name)}
    try:
        wanted = byte_range(range_header, size)
    except Unsatisfiable:
        problem = Problem(416, "range-not-satisfiable", "Range not satisfiable", f"The file has {size} bytes.")
        problem.headers.update({**SECURITY_HEADERS, "Content-Range": f"bytes */{size}"})
        raise problem from None
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(_chunks(path, 0, size), media_type=content_type, headers=headers)
    headers["Content-Length"] = str(wanted.length)
    headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    return StreamingResponse(
        _chunks(path, wanted.start, wanted.length), status_code=206, media_type=content_type, headers=headers
    )


async def _chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as file:
        await file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = await file.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
