"""Local HTTP servers answering like the social platforms' send APIs, for pointing ingest_social's senders at in
tests (one server, one base URL per platform under its own path prefix).

- Meta Graph (`{url}/graph`): `POST /me/messages` (Messenger/Instagram Send API) answers `{"recipient_id",
  "message_id"}`; `POST /{phone_number_id}/messages` (WhatsApp) answers `{"messaging_product", "contacts",
  "messages": [{"id": "wamid..."}]}`. A wrong bearer token gets Graph's OAuthException (401, code 190).
- Telegram (`{url}/telegram`): `POST /bot{token}/sendMessage` answers `{"ok": true, "result": {message}}`; a wrong
  token 401 `{"ok": false, "error_code": 401, "description": "Unauthorized"}`.
- Zalo (`{url}/zalo`): `POST /v3.0/oa/message/cs` answers HTTP 200 with `{"error": 0, "data": {"message_id"}}`, and
  refusals as HTTP 200 with a negative `error` (as Zalo does); a wrong access_token header is error -216.
- X (`{url}/x`): `POST /2/dm_conversations/with/{participant_id}/messages` answers 201 `{"data": {"dm_event_id",
  "dm_conversation_id"}}`; a wrong token 401 with X's problem body.

`fail_next(platform, failure)` makes the next requests of a platform answer a platform error instead, including
429 with its platform's way of saying when to retry (Retry-After, Telegram's `parameters.retry_after`).

Files customers send, as each platform hands them out: `whatsapp_media(...)` gives a media id (`GET /graph/{id}`
with the token answers its URL, `GET /graph/media-files/{id}` with the token its bytes); `telegram_file(...)` a file
id (`getFile` answers its `file_path`, `GET /telegram/file/bot{token}/{path}` its bytes); `cdn_url(platform, ...)` a
Messenger or Zalo attachment URL (no token). `downloads` counts the file requests.

Files we send, in each platform's format: WhatsApp uploads (`POST /graph/{phone_number_id}/media`, multipart) kept
in `uploads` by media id, then sent by id in a media message; Messenger's Send API with multipart `filedata`;
Telegram's `sendDocument` (multipart); Zalo's `/v2.0/oa/upload/image` and `/upload/file` (kept in `uploads` by
attachment id or token), then a message naming them. A multipart send is recorded with its `files`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fake_http import serving_posts

META, TELEGRAM, ZALO, X = "graph", "telegram", "zalo", "x"


@dataclass(frozen=True)
class Failure:
    """An HTTP answer a platform gives when it refuses: status, JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def meta_error(
    status: int, code: int, message: str, *, subcode: int | None = None, retry_after: int | None = None
) -> Failure:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Failure(status, {"error": error}, headers)


def telegram_error(status: int, description: str, *, retry_after: int | None = None) -> Failure:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Failure(status, body)


def zalo_error(code: int, message: str) -> Failure:
    return Failure(200, {"error": code, "message": message})


def x_error(status: int, title: str, detail: str, *, retry_after: int | None = None) -> Failure:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return Failure(status, body, headers)


META_RATE_LIMITED = meta_error(429, 80006, "There have been too many messages sent to this user", retry_after=1)
META_SERVER_ERROR = meta_error(500, 2, "An unexpected error has occurred. Please retry your request later.")
META_OUTSIDE_WINDOW = meta_error(400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
WHATSAPP_RE_ENGAGEMENT = meta_error(400, 131047, "Re-engagement message")
TELEGRAM_TOO_MANY = telegram_error(429, "Too Many Requests: retry after 1", retry_after=1)
TELEGRAM_BLOCKED = telegram_error(403, "Forbidden: bot was blocked by the user")
ZALO_NOT_FOLLOWER = zalo_error(-213, "User has not followed OA")
X_TOO_MANY = x_error(429, "Too Many Requests", "Too Many Requests", retry_after=1)
X_FORBIDDEN = x_error(403, "Forbidden", "You cannot send messages to this user.")


@dataclass(frozen=True)
class Received:
    """One accepted send: the platform, the path, the JSON body, and the id the platform gave the message."""

    platform: str
    path: str
    body: dict[str, Any]
    message_id: str
    files: tuple[tuple[str, str, bytes], ...] = ()  # (file name, content type, bytes) of a multipart send

    @property
    def text(self) -> str:
        """The message text, wherever the platform puts it."""
        if self.platform == META and "text" in self.body and isinstance(self.body["text"], dict):
            return str(self.body["text"].get("body", ""))
        message = self.body.get("message")
        if isinstance(message, dict):
            return str(message.get("text", ""))
        return str(self.body.get("text", ""))


@dataclass
class FakePlatforms:
    meta_token: str
    telegram_token: str
    zalo_token: str
    x_token: str
    received: list[Received] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    uploads: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    downloads: int = 0
    _port: int = 0

    def url(self, platform: str) -> str:
        return f"http://127.0.0.1:{self._port}/{platform}"

    def _file(self, content: bytes, content_type: str) -> str:
        name = f"file{next(self._ids)}"
        self._files[name] = (content, content_type)
        return name

    def whatsapp_media(self, content: bytes, content_type: str) -> str:
        return self._file(content, content_type)

    def telegram_file(self, content: bytes, content_type: str) -> str:
        return self._file(content, content_type)

    def cdn_url(self, platform: str, content: bytes, content_type: str) -> str:
        return f"{self.url(platform)}/cdn/{self._file(content, content_type)}"

    def _serve_file(self, name: str) -> web.Response:
        self.downloads += 1
        found = self._files.get(name)
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def _whatsapp_media_url(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.meta_token}":
            return _json(meta_error(401, 190, "Invalid OAuth access token - Cannot parse access token"))
        media_id = request.match_info["node"]
        found = self._files.get(media_id)
        if found is None:
            return _json(meta_error(400, 100, "(#100) Unsupported get request."))
        url = f"{self.url(META)}/media-files/{media_id}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": found[1],
                "file_size": len(found[0]),
                "id": media_id,
            }
        )

    async def _whatsapp_media_file(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.meta_token}":
            return web.Response(status=401)
        return self._serve_file(request.match_info["name"])

    async def _cdn(self, request: web.Request) -> web.Response:
        return self._serve_file(request.match_info["name"])

    async def _telegram_get_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram_token:
            return _json(telegram_error(401, "Unauthorized"))
        file_id = request.query.get("file_id", "")
        found = self._files.get(file_id)
        if found is None:
            return _json(telegram_error(400, "Bad Request: invalid file_id"))
        result = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(found[0]),
            "file_path": f"documents/{file_id}.bin",
        }
        return web.json_response({"ok": True, "result": result})

    async def _telegram_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram_token:
            return web.Response(status=404)
        return self._serve_file(request.match_info["path"].removeprefix("documents/").removesuffix(".bin"))

    def sent(self, platform: str) -> list[Received]:
        return [r for r in self.received if r.platform == platform]

    def fail_next(self, platform: str, failure: Failure, *, times: int = 1) -> None:
        self._failures.setdefault(platform, []).extend([failure] * times)

    def _failure(self, platform: str) -> web.Response | None:
        self.requests[platform] = self.requests.get(platform, 0) + 1
        pending = self._failures.get(platform)
        if not pending:
            return None
        failure = pending.pop(0)
        return web.json_response(failure.body, status=failure.status, headers=failure.headers)

    async def _meta(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.meta_token}":
            return _json(meta_error(401, 190, "Invalid OAuth access token - Cannot parse access token"))
        failed = self._failure(META)
        if failed is not None:
            return failed
        body, files = await _body_and_files(request)
        node = request.match_info["node"]
        number = next(self._ids)
        if node == "me":
            recipient = body.get("recipient") or {}
            if not recipient or not body.get("message"):
                return _json(meta_error(400, 100, "(#100) The parameter recipient is required"))
            message_id = f"m_fake{number}"
            self.received.append(Received(META, f"/{node}/messages", body, message_id, files))
            return web.json_response({"recipient_id": recipient.get("id") or "psid", "message_id": message_id})
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return _json(meta_error(400, 100, "(#100) Invalid parameter"))
        wamid = f"wamid.FAKE{number:08d}"
        self.received.append(Received(META, f"/{node}/messages", body, wamid))
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
        )

    async def _meta_upload(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.meta_token}":
            return _json(meta_error(401, 190, "Invalid OAuth access token - Cannot parse access token"))
        form, files = await _body_and_files(request)
        if form.get("messaging_product") != "whatsapp" or not files:
            return _json(meta_error(400, 100, "(#100) Param file must be a file with one of the following types"))
        media_id = f"{next(self._ids):015d}"
        self.uploads[media_id] = files[0]
        return web.json_response({"id": media_id})

    async def _telegram_document(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram_token:
            return _json(telegram_error(401, "Unauthorized"))
        form, files = await _body_and_files(request)
        if not form.get("chat_id") or not files:
            return _json(telegram_error(400, "Bad Request: there is no document in the request"))
        message_id = next(self._ids)
        self.received.append(Received(TELEGRAM, "/sendDocument", form, str(message_id), files))
        name, content_type, content = files[0]
        document = {
            "file_id": f"sent{message_id}",
            "file_name": name,
            "mime_type": content_type,
            "file_size": len(content),
        }
        result = {"message_id": message_id, "chat": {"id": int(form["chat_id"]), "type": "private"}, "date": 1764000000}
        return web.json_response({"ok": True, "result": {**result, "document": document}})

    async def _zalo_upload(self, request: web.Request) -> web.Response:
        if request.headers.get("access_token") != self.zalo_token:
            return _json(zalo_error(-216, "Access token is invalid"))
        _, files = await _body_and_files(request)
        if not files:
            return _json(zalo_error(-201, "Parameters are invalid"))
        key = f"zup{next(self._ids)}"
        self.uploads[key] = files[0]
        field_name = "attachment_id" if request.match_info["kind"] == "image" else "token"
        return web.json_response({"data": {field_name: key}, "error": 0, "message": "Success"})

    async def _telegram(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram_token:
            return _json(telegram_error(401, "Unauthorized"))
        failed = self._failure(TELEGRAM)
        if failed is not None:
            return failed
        body = await request.json()
        if not body.get("chat_id") or not body.get("text"):
            return _json(telegram_error(400, "Bad Request: message text is empty"))
        message_id = next(self._ids)
        self.received.append(Received(TELEGRAM, "/sendMessage", body, str(message_id)))
        result = {"message_id": message_id, "chat": {"id": int(body["chat_id"]), "type": "private"}, "date": 1764000000}
        return web.json_response({"ok": True, "result": {**result, "text": body["text"]}})

    async def _zalo(self, request: web.Request) -> web.Response:
        if request.headers.get("access_token") != self.zalo_token:
            return _json(zalo_error(-216, "Access token is invalid"))
        failed = self._failure(ZALO)
        if failed is not None:
            return failed
        body = await request.json()
        user_id = (body.get("recipient") or {}).get("user_id")
        if not user_id:
            return _json(zalo_error(-201, "Parameters are invalid"))
        message_id = f"zmsg{next(self._ids):012d}"
        self.received.append(Received(ZALO, "/v3.0/oa/message/cs", body, message_id))
        return web.json_response(
            {"data": {"message_id": message_id, "user_id": user_id}, "error": 0, "message": "Success"}
        )

    async def _x(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.x_token}":
            return _json(x_error(401, "Unauthorized", "Unauthorized"))
        failed = self._failure(X)
        if failed is not None:
            return failed
        body = await request.json()
        participant = request.match_info["participant"]
        event_id = f"17{next(self._ids):017d}"
        self.received.append(Received(X, f"/2/dm_conversations/with/{participant}/messages", body, event_id))
        return web.json_response(
            {"data": {"dm_conversation_id": f"1-{participant}", "dm_event_id": event_id}}, status=201
        )


async def _body_and_files(request: web.Request) -> tuple[dict[str, Any], tuple[tuple[str, str, bytes], ...]]:
    """A JSON body, or a multipart form's fields (JSON ones decoded) and files."""
    if not request.content_type.startswith("multipart/"):
        return await request.json(), ()
    fields: dict[str, Any] = {}
    files: list[tuple[str, str, bytes]] = []
    async for part in await request.multipart():
        if not isinstance(part, aiohttp.BodyPartReader):
            continue
        if part.filename is not None:
            files.append((part.filename, part.headers.get("Content-Type", ""), bytes(await part.read())))
            continue
        text = await part.text()
        try:
            fields[str(part.name)] = json.loads(text) if text.startswith(("{", "[")) else text
        except ValueError:
            fields[str(part.name)] = text
    return fields, tuple(files)


def _json(failure: Failure) -> web.Response:
    return web.Response(
        text=json.dumps(failure.body), status=failure.status, headers=failure.headers, content_type="application/json"
    )


@asynccontextmanager
async def running_fake_platforms(
    *, meta_token: str, telegram_token: str, zalo_token: str, x_token: str
) -> AsyncIterator[FakePlatforms]:
    """The fakes, listening on a free localhost port on the running event loop."""
    fake = FakePlatforms(meta_token=meta_token, telegram_token=telegram_token, zalo_token=zalo_token, x_token=x_token)
    routes = {
        f"/{META}/{{node}}/messages": fake._meta,
        f"/{META}/{{node}}/media": fake._meta_upload,
        f"/{TELEGRAM}/bot{{token}}/sendDocument": fake._telegram_document,
        f"/{ZALO}/v2.0/oa/upload/{{kind}}": fake._zalo_upload,
        f"/{TELEGRAM}/bot{{token}}/sendMessage": fake._telegram,
        f"/{ZALO}/v3.0/oa/message/cs": fake._zalo,
        f"/{X}/2/dm_conversations/with/{{participant}}/messages": fake._x,
    }
    gets = {
        f"/{META}/{{node}}": fake._whatsapp_media_url,
        f"/{META}/media-files/{{name}}": fake._whatsapp_media_file,
        f"/{META}/cdn/{{name}}": fake._cdn,
        f"/{ZALO}/cdn/{{name}}": fake._cdn,
        f"/{TELEGRAM}/bot{{token}}/getFile": fake._telegram_get_file,
        f"/{TELEGRAM}/file/bot{{token}}/{{path:.+}}": fake._telegram_download,
    }
    async with serving_posts(routes, gets) as port:
        fake._port = port
        yield fake
