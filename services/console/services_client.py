"""The one place the console calls the services' HTTP APIs and streams, always with the signed-in user's token.

A screen asks for an `Api` (bound to its user's token) and calls `api.get(Service.ROUTER, api_path(...))`. Whatever
goes wrong on the way (no answer, a refusal, a body that is not JSON) becomes a ServiceError that the console shows
as a readable message, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx

from services.console.settings import ConsoleSettings

# What of a service's refusal is shown: enough to read, bounded whatever the service sent.
MAX_DETAIL = 300
MAX_ERROR_BODY = 16_384


class Service(StrEnum):
    GATEWAY = "gateway"
    CASES = "case_service"
    ROUTER = "router_service"


class ServiceError(Exception):
    """A call that did not succeed. `kind`: unreachable, timeout, refused (the service answered 4xx/5xx),
    invalid (an answer that is not what was expected) or not_configured (the console lacks CONSOLE_API_KEY)."""

    def __init__(
        self, *, service: Service, kind: str, status: int | None = None, detail: str = "", problem_type: str = ""
    ) -> None:
        super().__init__(f"{service.value}: {kind} {status or ''} {detail}".strip())
        self.service = service
        self.kind = kind
        self.status = status
        self.detail = detail[:MAX_DETAIL]
        self.problem_type = problem_type[:MAX_DETAIL]  # a refusal's problem+json `type`, when it had one

    @property
    def problem_kind(self) -> str:
        """The last part of the refusal's problem type (`attachment-refused`), or the empty string."""
        return self.problem_type.rsplit("/", 1)[-1]

    @property
    def not_found(self) -> bool:
        """Whether the service answered 404: what was asked for is not there (or not for this caller)."""
        return self.kind == "refused" and self.status == 404


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def api_path(template: str, **parts: str) -> str:
    """`template` with each `{name}` replaced by its part, percent-encoded whole (an id never changes the path)."""
    return template.format_map({name: quote(str(value), safe="") for name, value in parts.items()})


class ServicesClient:
    """One HTTP connection pool for every service; lives as long as the app."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self._api_key = settings.api_key.get_secret_value() if settings.api_key else None
        self._base = {
            Service.GATEWAY: settings.gateway_url,
            Service.CASES: settings.case_service_url,
            Service.ROUTER: settings.router_service_url,
        }
        # Local services: never through a proxy from the environment.
        self._http = httpx.AsyncClient(trust_env=False, timeout=settings.service_timeout_seconds)

    @property
    def configured(self) -> bool:
        return self._api_key is not None

    async def close(self) -> None:
        await self._http.aclose()

    async def issue_token(self, *, role: str, agent_id: str | None, subject: str, ttl_seconds: int) -> IssuedToken:
        """A token for one user from the gateway, asked for with the admin key (which never leaves the server)."""
        if self._api_key is None:
            raise ServiceError(service=Service.GATEWAY, kind="not_configured")
        body = {"role": role, "agent_id": agent_id, "subject": subject, "ttl_seconds": ttl_seconds}
        answer = await self.request("POST", Service.GATEWAY, "/v1/tokens", credential=self._api_key, json=body)
        try:
            return IssuedToken(token=str(answer["token"]), expires_at=datetime.fromisoformat(answer["expires_at"]))
        except (KeyError, TypeError, ValueError):
            raise ServiceError(service=Service.GATEWAY, kind="invalid", detail="no token in the answer") from None

    async def request(
        self,
        method: str,
        service: Service,
        path: str,
        *,
        credential: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON answer of a call (None for an empty one); ServiceError otherwise."""
        try:
            response = await self._http.request(
                method,
                self._base[service] + path,
                json=json,
                params=params,
                headers={**(headers or {}), **_bearer(credential)},
            )
        except httpx.TimeoutException:
            raise ServiceError(service=service, kind="timeout") from None
        except httpx.HTTPError:
            raise ServiceError(service=service, kind="unreachable") from None
        if response.status_code >= 400:
            raise ServiceError(
                service=service,
                kind="refused",
                status=response.status_code,
                detail=_detail(response.content),
                problem_type=_problem_type(response.content),
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ServiceError(service=service, kind="invalid", status=response.status_code) from None

    @asynccontextmanager
    async def stream(
        self,
        service: Service,
        path: str,
        *,
        credential: str,
        accept: str = "text/event-stream",
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """The raw bytes of a Server-Sent Events stream (or of another streamed answer, such as a CSV file), until
        the service or the caller closes it."""
        timeout = httpx.Timeout(self._http.timeout.connect, read=None)
        request = self._http.build_request(
            "GET",
            self._base[service] + path,
            params=params,
            headers={**_bearer(credential), "Accept": accept},
            timeout=timeout,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TimeoutException:
            raise ServiceError(service=service, kind="timeout") from None
        except httpx.HTTPError:
            raise ServiceError(service=service, kind="unreachable") from None
        try:
            if response.status_code != 200:
                body = await _read_bounded(response)
                raise ServiceError(service=service, kind="refused", status=response.status_code, detail=_detail(body))
            yield _chunks(service, response)
        finally:
            await response.aclose()


class Api:
    """The services, as one signed-in user: every call carries that user's token. When a service no longer takes
    the token (401: the signing key changed, or it lapsed), `renew` gives a new one and the call is sent once more."""

    def __init__(
        self, client: ServicesClient, token: str, *, renew: Callable[[], Awaitable[str]] | None = None
    ) -> None:
        self._client = client
        self._token = token
        self._renew = renew

    async def get(self, service: Service, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return await self._call("GET", service, path, params=params)

    async def post(self, service: Service, path: str, *, json: Any = None) -> Any:
        return await self._call("POST", service, path, json=json)

    async def put(self, service: Service, path: str, *, json: Any = None) -> Any:
        return await self._call("PUT", service, path, json=json)

    async def patch(self, service: Service, path: str, *, json: Any = None) -> Any:
        return await self._call("PATCH", service, path, json=json)

    async def delete(self, service: Service, path: str) -> Any:
        return await self._call("DELETE", service, path)

    async def _call(self, method: str, service: Service, path: str, **kwargs: Any) -> Any:
        try:
            return await self._client.request(method, service, path, credential=self._token, **kwargs)
        except ServiceError as error:
            if error.kind != "refused" or error.status != 401 or self._renew is None:
                raise
        # A refused token changed nothing: the same call with a new one.
        self._token = await self._renew()
        return await self._client.request(method, service, path, credential=self._token, **kwargs)

    def stream(
        self,
        service: Service,
        path: str,
        *,
        accept: str = "text/event-stream",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """`async with api.stream(...) as chunks:` the raw bytes of a Server-Sent Events stream (or, with `accept`,
        of another streamed answer)."""
        return self._client.stream(service, path, credential=self._token, accept=accept, params=params)


async def _chunks(service: Service, response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        raise ServiceError(service=service, kind="unreachable") from None


async def _read_bounded(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) >= MAX_ERROR_BODY:
            break
    return body[:MAX_ERROR_BODY]


def _bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def _detail(content: bytes) -> str:
    """What a refusal says (a problem's detail or title), or nothing when the body is not one."""
    try:
        body = json.loads(content[:MAX_ERROR_BODY])
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(body, dict):
        return ""
    text = body.get("detail") or body.get("title") or ""
    return str(text)[:MAX_DETAIL]


def _problem_type(content: bytes) -> str:
    """A refusal's problem+json `type`, or nothing when the body is not one."""
    try:
        body = json.loads(content[:MAX_ERROR_BODY])
    except (ValueError, UnicodeDecodeError):
        return ""
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else ""
