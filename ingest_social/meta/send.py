"""Replies through Meta's Graph API: Messenger and Instagram via `POST {GRAPH_URL}/me/messages`, WhatsApp via
`POST {GRAPH_URL}/{phone_number_id}/messages`, both with the access token as a bearer token.

A reply to a public comment or post (`social_post`) goes as a private reply: the recipient is the comment or post.

A reply's files go first, one message each: on WhatsApp uploaded (`POST {GRAPH_URL}/{phone_number_id}/media`) and
sent by media id as an image (JPEG, PNG), audio, video (MP4, 3GPP) or document (anything else, with its file name);
on Messenger and Instagram attached to a Send API call (multipart `filedata`). A private reply carries no file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

import httpx

from ingest_social.http import UploadFile, post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi, Step, in_order
from shared.channel_media import MB
from shared.events import Channel
from shared.ingest.outbound_files import OutgoingFile
from shared.ingest.sender import SendFailed, Sent

# Graph error codes that mean "slow down" or "try again" even when the HTTP status is 400.
_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 80006, 130429, 131016})


class MetaMessages(PlatformApi):
    platform = "Meta"
    token_setting = "META_ACCESS_TOKEN"

    def __init__(self, *, api_url: str, token: str | None, default_phone_number_id: str | None) -> None:
        super().__init__(api_url=api_url, token=token)
        self._default_phone_number_id = default_phone_number_id

    async def send(self, http: httpx.AsyncClient, message: SocialMessage, files: Sequence[OutgoingFile] = ()) -> Sent:
        steps: list[Step]
        if message.channel == Channel.WHATSAPP.value:
            phone_number_id = message.sender or self._default_phone_number_id
            if not phone_number_id:
                raise SendFailed("no WhatsApp sender: set INGEST_SOCIAL_WHATSAPP_PHONE_NUMBER_ID", permanent=True)
            steps = [partial(self._whatsapp_file, http, message, phone_number_id, file) for file in files]
            steps.append(partial(self._whatsapp, http, message, phone_number_id))
        else:
            recipient = _recipient(message)
            if files and "id" not in recipient:
                raise SendFailed("not sent: a private reply to a comment or post carries no files", permanent=True)
            steps = [partial(self._messenger_file, http, recipient, file) for file in files]
            steps.append(partial(self._messenger, http, recipient, message.body))
        return await in_order(steps)

    async def _messenger(self, http: httpx.AsyncClient, recipient: dict[str, str], text: str) -> Sent:
        payload = {"recipient": recipient, "messaging_type": "RESPONSE", "message": {"text": text}}
        answer = await self._post(http, f"{self._api_url}/me/messages", payload)
        return Sent(provider_message_id=_text(answer.get("message_id")))

    async def _messenger_file(self, http: httpx.AsyncClient, recipient: dict[str, str], file: OutgoingFile) -> Sent:
        message = {"attachment": {"type": _messenger_kind(file.content_type), "payload": {"is_reusable": False}}}
        form = {"recipient": json.dumps(recipient), "messaging_type": "RESPONSE", "message": json.dumps(message)}
        upload: UploadFile = (file.filename, file.content, file.content_type)
        answer = await self._post(http, f"{self._api_url}/me/messages", form=form, files={"filedata": upload})
        return Sent(provider_message_id=_text(answer.get("message_id")))

    async def _whatsapp(self, http: httpx.AsyncClient, message: SocialMessage, phone_number_id: str) -> Sent:
        return await self._whatsapp_message(
            http, message, phone_number_id, {"type": "text", "text": {"preview_url": False, "body": message.body}}
        )

    async def _whatsapp_file(
        self, http: httpx.AsyncClient, message: SocialMessage, phone_number_id: str, file: OutgoingFile
    ) -> Sent:
        uploaded = await self._post(
            http,
            f"{self._api_url}/{phone_number_id}/media",
            form={"messaging_product": "whatsapp", "type": file.content_type},
            files={"file": (file.filename, file.content, file.content_type)},
        )
        media_id = _text(uploaded.get("id"))
        if media_id is None:
            raise SendFailed("WhatsApp gave no media id for the uploaded file", permanent=True)
        kind = _whatsapp_kind(file)
        media: dict[str, str] = {"id": media_id}
        if kind == "document":
            media["filename"] = file.filename
        return await self._whatsapp_message(http, message, phone_number_id, {"type": kind, kind: media})

    async def _whatsapp_message(
        self, http: httpx.AsyncClient, message: SocialMessage, phone_number_id: str, content: dict[str, Any]
    ) -> Sent:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient.removeprefix("+"),
            **content,
        }
        answer = await self._post(http, f"{self._api_url}/{phone_number_id}/messages", payload)
        sent = answer.get("messages") if isinstance(answer, dict) else None
        wamid = sent[0].get("id") if isinstance(sent, list) and sent and isinstance(sent[0], dict) else None
        return Sent(provider_message_id=_text(wamid))

    async def _post(
        self,
        http: httpx.AsyncClient,
        url: str,
        payload: dict[str, Any] | None = None,
        *,
        form: dict[str, str] | None = None,
        files: dict[str, UploadFile] | None = None,
    ) -> dict[str, Any]:
        answer = await post_json(
            http,
            url,
            payload=payload,
            form=form,
            files=files,
            headers={"Authorization": f"Bearer {self._token}"},
            describe=describe_error,
            platform="Meta",
            transient=_transient,
        )
        return answer if isinstance(answer, dict) else {}


def _recipient(message: SocialMessage) -> dict[str, str]:
    target = message.conversation_id or ""
    if target.startswith("comment:"):
        return {"comment_id": target.removeprefix("comment:")}
    if target.startswith("post:"):
        return {"post_id": target.removeprefix("post:")}
    return {"id": message.recipient}


def _whatsapp_kind(file: OutgoingFile) -> str:
    """How WhatsApp shows the file: an image (JPEG, PNG up to 5 MB), audio, a video (MP4, 3GPP), else a document."""
    if file.content_type in ("image/jpeg", "image/png") and file.size <= 5 * MB:
        return "image"
    if file.content_type.startswith("audio/"):
        return "audio"
    if file.content_type in ("video/mp4", "video/3gpp"):
        return "video"
    return "document"


def _messenger_kind(content_type: str) -> str:
    for kind in ("image", "video", "audio"):
        if content_type.startswith(kind + "/"):
            return kind
    return "file"


def describe_error(status: int, body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return f"Meta HTTP {status}"
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    words = details or error.get("message") or ""
    return f"Meta error {error.get('code')}: {words}"[:500]


def _transient(status: int, body: Any) -> bool:
    if status == 429 or status >= 500:
        return True
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and (error.get("code") in _TRANSIENT_CODES or bool(error.get("is_transient")))


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
