"""Replies through the Zalo OA API: `POST {ZALO_API_URL}/v3.0/oa/message/cs` (a customer-service message, allowed
in answer to the user), the OA access token in the `access_token` header. A reply's files go first: an image is
uploaded (`/v2.0/oa/upload/image`, its `attachment_id`) and sent as a media template, a PDF or Word file uploaded
(`/v2.0/oa/upload/file`, its `token`) and sent as a file message.

Zalo answers HTTP 200 even when it refuses: the verdict is the body's `error` (0 is success).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import httpx

from ingest_social.http import UploadFile, post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi, in_order
from shared.ingest.outbound_files import OutgoingFile
from shared.ingest.sender import SendFailed, Sent

SEND_PATH = "/v3.0/oa/message/cs"
UPLOAD_IMAGE_PATH = "/v2.0/oa/upload/image"
UPLOAD_FILE_PATH = "/v2.0/oa/upload/file"
# Zalo's "too many requests" style codes (its docs list -32 for the request quota): worth trying later.
_TRANSIENT_CODES = frozenset({-32})


class ZaloMessages(PlatformApi):
    platform = "Zalo"
    token_setting = "ZALO_ACCESS_TOKEN"

    async def send(self, http: httpx.AsyncClient, message: SocialMessage, files: Sequence[OutgoingFile] = ()) -> Sent:
        steps = [partial(self._file, http, message.recipient, file) for file in files]
        return await in_order([*steps, partial(self._message, http, message.recipient, {"text": message.body})])

    async def _file(self, http: httpx.AsyncClient, user_id: str, file: OutgoingFile) -> Sent:
        upload: UploadFile = (file.filename, file.content, file.content_type)
        if file.content_type.startswith("image/"):
            data = await self._call(http, UPLOAD_IMAGE_PATH, files={"file": upload})
            element = {"media_type": "image", "attachment_id": _text(data.get("attachment_id"))}
            payload = {"template_type": "media", "elements": [element]}
            return await self._message(http, user_id, {"attachment": {"type": "template", "payload": payload}})
        data = await self._call(http, UPLOAD_FILE_PATH, files={"file": upload})
        return await self._message(
            http, user_id, {"attachment": {"type": "file", "payload": {"token": _text(data.get("token"))}}}
        )

    async def _message(self, http: httpx.AsyncClient, user_id: str, message: dict[str, Any]) -> Sent:
        data = await self._call(http, SEND_PATH, payload={"recipient": {"user_id": user_id}, "message": message})
        message_id = data.get("message_id")
        return Sent(provider_message_id=str(message_id) if message_id is not None else None)

    async def _call(
        self,
        http: httpx.AsyncClient,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        files: dict[str, UploadFile] | None = None,
    ) -> dict[str, Any]:
        """The `data` of Zalo's answer; its `error` (HTTP 200 all the same) is a SendFailed."""
        answer = await post_json(
            http,
            self._api_url + path,
            payload=payload,
            files=files,
            headers={"access_token": self._token or ""},
            describe=describe_error,
            platform="Zalo",
        )
        code = answer.get("error") if isinstance(answer, dict) else None
        if code not in (0, None):
            number = code if isinstance(code, int) else None
            raise SendFailed(describe_error(200, answer), permanent=number not in _TRANSIENT_CODES, code=number)
        data = answer.get("data") if isinstance(answer, dict) else None
        return data if isinstance(data, dict) else {}


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def describe_error(status: int, body: Any) -> str:
    if isinstance(body, dict) and body.get("error") not in (0, None):
        return f"Zalo error {body.get('error')}: {body.get('message', '')}"[:500]
    return f"Zalo HTTP {status}"
