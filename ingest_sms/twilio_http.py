"""The HTTP client the twilio library sends through, on httpx (already a dependency of every service).

twilio's own async client builds aiohttp's BasicAuth, which aiohttp 3.14 deprecates, and logs every request at INFO;
this one does neither. Only the transport changes: the library still builds every request and parses every answer.
"""

from __future__ import annotations

import logging

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

log = logging.getLogger(__name__)


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]  # twilio ships no type information
    def __init__(self, *, timeout: float) -> None:
        super().__init__(log, True, timeout)
        self._client = httpx.AsyncClient(timeout=timeout)

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the twilio library calls it with this signature
        allow_redirects: bool = False,
    ) -> Response:
        response = await self._client.request(
            method.upper(),
            uri,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()
