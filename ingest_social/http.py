"""Posting JSON (or a multipart form with a file) to a platform's API with httpx: a few quick retries on 429 and 5xx
(honouring Retry-After) within the call; what still fails is a SendFailed, transient (the spool tries again later,
no sooner than the platform asked) or permanent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from shared.ingest.sender import SendFailed

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IN_CALL_RETRIES = 2
FIRST_BACKOFF_SECONDS = 0.25
# A longer wait is left to the spool (SendFailed.retry_after): the sender's slot is not held for minutes.
MAX_IN_CALL_WAIT_SECONDS = 5.0

Describe = Callable[[int, Any], str]
RetryAfter = Callable[[httpx.Response, Any], float | None]


def retry_after_header(response: httpx.Response, _: Any) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare on APIs and treated as absent)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


UploadFile = tuple[str, bytes, str]  # (file name, bytes, content type)


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    payload: Mapping[str, Any] | None = None,
    describe: Describe,
    platform: str,
    headers: Mapping[str, str] | None = None,
    retry_after: RetryAfter = retry_after_header,
    transient: Callable[[int, Any], bool] = lambda status, body: status in RETRY_STATUSES,
    form: Mapping[str, str] | None = None,
    files: Mapping[str, UploadFile] | None = None,
) -> Any:
    """The JSON answer of a 2xx; raises SendFailed otherwise. `describe` words the platform's error body. With
    `form` and `files` the request is multipart/form-data instead of JSON `payload`."""
    backoff = FIRST_BACKOFF_SECONDS
    body: dict[str, Any] = (
        {"data": dict(form or {}), "files": dict(files or {})} if files is not None else {"json": dict(payload or {})}
    )
    for attempt in range(IN_CALL_RETRIES + 1):
        try:
            response = await http.post(url, headers=dict(headers or {}), **body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            # nothing reached the platform: trying again cannot send twice
            if attempt < IN_CALL_RETRIES:
                await asyncio.sleep(backoff)
                backoff *= 2
                continue
            raise SendFailed(f"{platform} unreachable: {type(error).__name__}", permanent=False) from error
        except httpx.HTTPError as error:
            raise SendFailed(f"{platform} unreachable: {type(error).__name__}", permanent=False) from error
        answer = _body(response)
        if response.is_success:
            return answer
        if not transient(response.status_code, answer):
            raise SendFailed(describe(response.status_code, answer), permanent=True, code=response.status_code)
        asked = retry_after(response, answer)
        wait = backoff if asked is None else asked
        if attempt < IN_CALL_RETRIES and wait <= MAX_IN_CALL_WAIT_SECONDS:
            log.info("%s answered %s; retrying in %.2f s", platform, response.status_code, wait)
            await asyncio.sleep(wait)
            backoff *= 2
            continue
        raise SendFailed(
            describe(response.status_code, answer), permanent=False, code=response.status_code, retry_after=asked
        )
    raise AssertionError("unreachable")  # the loop returns or raises


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"text": response.text[:500]}
