"""A local HTTP server answering like Twilio's Messages API, for pointing the real twilio client at in tests.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with form fields To, From or MessagingServiceSid, Body and
StatusCallback answers 201 with a message resource (`sid` "SM...", `status` "queued") and records what it received.
It checks HTTP basic auth (AccountSid, auth token) like Twilio does, and can be told to fail the next requests with
Twilio's error JSON (`{"code", "message", "more_info", "status"}`).

Media both ways: `add_media(content, content_type)` gives the MediaUrl of a file a customer sent by MMS (GET it with
the account's basic auth, as Twilio may require); a message created with `MediaUrl` fields is an MMS, whose media
the fake fetches from those URLs at once, as Twilio does (`ReceivedMessage.media`).
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
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
    media_urls: tuple[str, ...] = ()
    media: tuple[tuple[int, str, bytes], ...] = ()  # (HTTP status, content type, body) of each MediaUrl fetched


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[ReceivedMessage] = field(default_factory=list)
    requests: int = 0
    _failures: list[tuple[int, int, str]] = field(default_factory=list)
    _media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    media_requests: int = 0
    _port: int = 0

    def add_media(self, content: bytes, content_type: str) -> str:
        """The MediaUrl of a file an MMS carried."""
        media_sid = f"ME{next(self._ids):032d}"
        self._media[media_sid] = (content, content_type)
        return f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/MM{'0' * 32}/Media/{media_sid}"

    async def _get_media(self, request: web.Request) -> web.Response:
        self.media_requests += 1
        if not self._authorized(request, request.match_info["account_sid"]):
            return _error(401, 20003, "Authenticate")
        found = self._media.get(request.match_info["media_sid"])
        if found is None:
            return _error(404, 20404, "The requested resource was not found")
        return web.Response(body=found[0], content_type=found[1])

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
        media_urls = tuple(str(url) for url in form.getall("MediaUrl", []))
        media = tuple([await _fetch(url) for url in media_urls])
        self.messages.append(
            ReceivedMessage(
                account_sid=account_sid,
                to=to,
                body=body,
                from_=str(sender) if sender else None,
                messaging_service_sid=str(service) if service else None,
                status_callback=str(callback) if callback else None,
                sid=sid,
                media_urls=media_urls,
                media=media,
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
    gets = {f"/{API_VERSION}/Accounts/{{account_sid}}/Messages/{{message_sid}}/Media/{{media_sid}}": fake._get_media}
    async with serving_posts(routes, gets) as port:
        fake._port = port
        yield fake


async def _fetch(url: str) -> tuple[int, str, bytes]:
    """What Twilio gets from a MediaUrl (it fetches media from the public URL without credentials)."""
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


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
