"""The console's own access for the public pages: nobody is signed in there, so the console calls the services with
a token of its own (role admin, subject `console:public-pages`), obtained with its admin key and renewed before it
runs out; it never leaves the server. Every call the public pages make goes through here."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.console.services_client import IssuedToken, Service, ServiceError, ServicesClient, api_path

SUBJECT = "console:public-pages"
LIFETIME = timedelta(hours=1)


class PublicAccess:
    def __init__(self, client: ServicesClient, *, lifetime: timedelta = LIFETIME) -> None:
        self._client = client
        self._lifetime = lifetime
        self._token: IssuedToken | None = None
        self._lock = asyncio.Lock()

    async def call(
        self,
        method: str,
        service: Service,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON answer; ServiceError otherwise. A refused token (the signing key changed) is renewed once."""
        for attempt in range(2):
            token = await self._current(renew=attempt > 0)
            try:
                return await self._client.request(
                    method, service, path, credential=token, json=json, params=params, headers=headers
                )
            except ServiceError as error:
                if attempt or error.kind != "refused" or error.status != 401:
                    raise
        raise AssertionError("unreachable")

    async def submit(self, message: Mapping[str, Any], *, idempotency_key: str) -> str:
        """Post a customer's message to the gateway (`POST /v1/messages`); its event id once it is durable (202)."""
        answer = await self.call(
            "POST", Service.GATEWAY, "/v1/messages", json=dict(message), headers={"Idempotency-Key": idempotency_key}
        )
        try:
            return str(answer["event_id"])
        except (KeyError, TypeError):
            raise ServiceError(service=Service.GATEWAY, kind="invalid", detail="no event id in the answer") from None

    async def placement(self, *, idempotency_key: str) -> dict[str, Any] | None:
        """Where the message submitted with this key went (case reference, status link), None until it is stored."""
        try:
            answer = await self.call(
                "GET",
                Service.CASES,
                "/v1/inbound-messages",
                params={"channel": "web", "provider_message_id": f"idem:{idempotency_key}"},
            )
        except ServiceError as error:
            if error.not_found:
                return None
            raise
        return dict(answer) if isinstance(answer, dict) else None

    async def status(self, token: str) -> dict[str, Any]:
        return dict(await self.call("GET", Service.CASES, api_path("/v1/status/{token}", token=token)))

    async def survey(self, token: str) -> dict[str, Any]:
        return dict(await self.call("GET", Service.CASES, api_path("/v1/surveys/{token}", token=token)))

    async def answer_survey(self, token: str, *, score: int, comment: str | None) -> dict[str, Any]:
        path = api_path("/v1/surveys/{token}", token=token)
        return dict(await self.call("POST", Service.CASES, path, json={"score": score, "comment": comment}))

    async def _current(self, *, renew: bool) -> str:
        async with self._lock:
            now = datetime.now(UTC)
            held = self._token
            if renew or held is None or held.expires_at - now < self._lifetime / 4:
                held = self._token = await self._client.issue_token(
                    role="admin", agent_id=None, subject=SUBJECT, ttl_seconds=int(self._lifetime.total_seconds())
                )
            return held.token
