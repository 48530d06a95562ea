"""A local HTTP server answering like Twilio's Messages API, for pointing the real twilio client at in tests.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with form fields To, From or MessagingServiceSid, Body and
StatusCallback answers 201 with a message resource (`sid` "SM...", `status` "queued") and records what it received.
It checks HTTP basic auth (AccountSid, auth token) like Twilio does, and can be told to fail the next requests with
Twilio's error JSON (`{"code", "message", "more_info", "status"}`).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from tests.support.fake_http import serving_posts

API_VERSION = "2010-04-01"
INVALID_TO = (400, 21211, "Invalid 'To' Phone Number")
UNSUBSCRIBED = (400, 21610, "Attempt to send to unsubscribed recipient")
SERVER_ERROR = (500, 20500, "Internal Server Error")


@dataclass(frozen=True)
class ReceivedMessage:
    account_sid: str
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    sid: str


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[ReceivedMessage] = field(default_factory=list)
    requests: int = 0
    _failures: list[tuple[int, int, str]] = field(default_factory=list)
    _port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def fail_next(self, failure: tuple[int, int, str] = INVALID_TO, *, times: int = 1) -> None:
        """Answer the next `times` message requests with (HTTP status, Twilio error code, message)."""
        self._failures.extend([failure] * times)

    async def _create_message(self, request: web.Request) -> web.Response:
        self.requests += 1
        account_sid = request.match_info["account_sid"]
        if not self._authorized(request, account_sid):
            return _error(401, 20003, "Authenticate")
        form = await request.post()
        to, sender, service = form.get("To"), form.get("From"), form.get("MessagingServiceSid")
        if not isinstance(to, str) or not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if self._failures:
            return _error(*self._failures.pop(0))
        sid = "SM" + uuid.uuid4().hex
        body = str(form.get("Body", ""))
        callback = form.get("StatusCallback")
        self.messages.append(
            ReceivedMessage(
                account_sid=account_sid,
                to=to,
                body=body,
                from_=str(sender) if sender else None,
                messaging_service_sid=str(service) if service else None,
                status_callback=str(callback) if callback else None,
                sid=sid,
            )
        )
        return web.json_response(_resource(sid, account_sid, to, body, sender, service), status=201)

    def _authorized(self, request: web.Request, account_sid: str) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return username == account_sid == self.account_sid and password == self.auth_token


@asynccontextmanager
async def running_fake_twilio(account_sid: str, auth_token: str) -> AsyncIterator[FakeTwilio]:
    """The fake, listening on a free localhost port on the running event loop."""
    fake = FakeTwilio(account_sid=account_sid, auth_token=auth_token)
    routes = {f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json": fake._create_message}
    async with serving_posts(routes) as port:
        fake._port = port
        yield fake


def _error(status: int, code: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


def _resource(sid: str, account_sid: str, to: str, body: str, sender: Any, service: Any) -> dict[str, Any]:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": str(sender) if sender else None,
        "messaging_service_sid": str(service) if service else None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
    }
