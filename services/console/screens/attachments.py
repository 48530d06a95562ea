"""Opening a file of a case, `GET /attachments?link=...` (any signed-in user; no menu entry).

case_service hands whoever may see a case a signed download link per stored file (`download_url` on each message's
attachments); the services are not reachable from a browser, so the console fetches the link and relays the answer:
the bytes, their type and disposition, `Range` requests (206, 416) and the service's 404 for a bad or expired link.
Only links to a service that stores files, at the address the launcher gave the console (CONSOLE_ATTACHMENT_STORES,
`name=base URL,...`; the gateway and case_service too), on the download path, are fetched: the console never calls
an address taken from a request. The signature in the link is what grants the file; signing in is asked for on top.
`relay_download` is the same relay for a page whose own check stands in for signing in (a customer's status page).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.console.auth import CurrentUser, console_state
from services.console.settings import ENV_PREFIX
from shared.problems import Problem

router = APIRouter(prefix="/attachments")
NAV = None

_DOWNLOAD_PATH = re.compile(r"^/v1/attachments/[0-9a-f]{64}$")
_RELAYED = ("content-type", "content-length", "content-range", "content-disposition", "accept-ranges", "cache-control")
_ALLOWED_STATE = "attachment_stores"
MAX_LINK_LENGTH = 4096


class _Stores(BaseSettings):
    """The one console setting this screen reads (the console's own settings class is not this screen's)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    attachment_stores: str = Field("", description="name=base URL,... of the services whose files may be relayed.")


def allowed_bases(request: Request) -> frozenset[tuple[str, str, str]]:
    """(scheme, host:port, path prefix) of every store a link may point at; read once per app."""
    cached: frozenset[tuple[str, str, str]] | None = getattr(request.app.state, _ALLOWED_STATE, None)
    if cached is not None:
        return cached
    settings = console_state(request).settings
    urls = [settings.gateway_url, settings.case_service_url]
    for entry in _Stores().attachment_stores.split(","):
        _, _, url = entry.strip().partition("=")
        if url.strip():
            urls.append(url.strip())
    bases = frozenset(base for base in (_base_of(url.rstrip("/")) for url in urls) if base is not None)
    setattr(request.app.state, _ALLOWED_STATE, bases)
    return bases


def _base_of(url: str) -> tuple[str, str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")


def is_store_link(link: str, bases: frozenset[tuple[str, str, str]]) -> bool:
    """Whether `link` is a download link on one of `bases`: same scheme, host and port, the download path."""
    if len(link) > MAX_LINK_LENGTH:
        return False
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or parts.fragment:
        return False
    for scheme, netloc, prefix in bases:
        if parts.scheme == scheme and parts.netloc.lower() == netloc and parts.path.startswith(prefix):
            if _DOWNLOAD_PATH.match(parts.path[len(prefix) :]):
                return True
    return False


async def relay_download(request: Request, link: str, range_header: str | None) -> Response:
    """The store's answer to `link` (a configured store's download link only, else 404), streamed through."""
    if not is_store_link(link, allowed_bases(request)):
        raise Problem(404, "attachment-not-found", "Attachment not found", "This is not a link to a stored file.")
    timeout = console_state(request).settings.service_timeout_seconds
    client = httpx.AsyncClient(trust_env=False, timeout=timeout, follow_redirects=False)
    headers = {"Range": range_header} if range_header else {}
    try:
        upstream = await client.send(client.build_request("GET", link, headers=headers), stream=True)
    except httpx.HTTPError:
        await client.aclose()
        raise Problem(
            503, "store-unreachable", "File unavailable", "The service keeping the file did not answer."
        ) from None
    if upstream.status_code not in (200, 206, 416):
        await upstream.aclose()
        await client.aclose()
        raise Problem(404, "attachment-not-found", "Attachment not found", "The link is not valid (any more).")

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()
            await client.aclose()

    relayed = {name: value for name, value in upstream.headers.items() if name.lower() in _RELAYED}
    return StreamingResponse(body(), status_code=upstream.status_code, headers=relayed)


@router.get("", include_in_schema=False)
async def open_attachment(
    request: Request,
    user: CurrentUser,
    link: Annotated[str, Query(min_length=1, max_length=MAX_LINK_LENGTH)],
    range_header: Annotated[str | None, Header(alias="Range", max_length=200)] = None,
) -> Response:
    del user  # signed in: that is all this route asks; the link's signature grants the file
    return await relay_download(request, link, range_header)
