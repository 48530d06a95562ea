"""Replies through Meta's Graph API: Messenger and Instagram via `POST {GRAPH_URL}/me/messages`, WhatsApp via
`POST {GRAPH_URL}/{phone_number_id}/messages`, both with the access token as a bearer token.

A reply to a public comment or post (`social_post`) goes as a private reply: the recipient is the comment or post.
"""

from __future__ import annotations

from typing import Any

import httpx

from ingest_social.http import post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi
from shared.events import Channel
from shared.ingest.sender import SendFailed, Sent

# Graph error codes that mean "slow down" or "try again" even when the HTTP status is 400.
_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 80006, 130429, 131016})


class MetaMessages(PlatformApi):
    platform = "Meta"
    token_setting = "META_ACCESS_TOKEN"

    def __init__(self, *, api_url: str, token: str | None, default_phone_number_id: str | None) -> None:
        super().__init__(api_url=api_url, token=token)
        self._default_phone_number_id = default_phone_number_id

    async def send(self, http: httpx.AsyncClient, message: SocialMessage) -> Sent:
        if message.channel == Channel.WHATSAPP.value:
            return await self._whatsapp(http, message)
        return await self._messenger(http, message)

    async def _messenger(self, http: httpx.AsyncClient, message: SocialMessage) -> Sent:
        target = message.conversation_id or ""
        recipient: dict[str, str]
        if target.startswith("comment:"):
            recipient = {"comment_id": target.removeprefix("comment:")}
        elif target.startswith("post:"):
            recipient = {"post_id": target.removeprefix("post:")}
        else:
            recipient = {"id": message.recipient}
        payload = {"recipient": recipient, "messaging_type": "RESPONSE", "message": {"text": message.body}}
        answer = await self._post(http, f"{self._api_url}/me/messages", payload)
        return Sent(provider_message_id=_text(answer.get("message_id")))

    async def _whatsapp(self, http: httpx.AsyncClient, message: SocialMessage) -> Sent:
        phone_number_id = message.sender or self._default_phone_number_id
        if not phone_number_id:
            raise SendFailed("no WhatsApp sender: set INGEST_SOCIAL_WHATSAPP_PHONE_NUMBER_ID", permanent=True)
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient.removeprefix("+"),
            "type": "text",
            "text": {"preview_url": False, "body": message.body},
        }
        answer = await self._post(http, f"{self._api_url}/{phone_number_id}/messages", payload)
        sent = answer.get("messages") if isinstance(answer, dict) else None
        wamid = sent[0].get("id") if isinstance(sent, list) and sent and isinstance(sent[0], dict) else None
        return Sent(provider_message_id=_text(wamid))

    async def _post(self, http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await post_json(
            http,
            url,
            payload=payload,
            headers={"Authorization": f"Bearer {self._token}"},
            describe=describe_error,
            platform="Meta",
            transient=_transient,
        )
        return answer if isinstance(answer, dict) else {}


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
