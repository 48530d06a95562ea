"""Replies through the Bot API: `POST {TELEGRAM_API_URL}/bot{token}/sendMessage` to the chat the customer wrote in;
a reply's files first, each with `sendDocument` (multipart, any type up to 50 MB)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import httpx

from ingest_social.http import post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi, in_order
from shared.ingest.outbound_files import OutgoingFile
from shared.ingest.sender import Sent


class TelegramMessages(PlatformApi):
    platform = "Telegram"
    token_setting = "TELEGRAM_BOT_TOKEN"

    async def send(self, http: httpx.AsyncClient, message: SocialMessage, files: Sequence[OutgoingFile] = ()) -> Sent:
        chat_id = message.conversation_id or message.recipient
        documents = [partial(self._document, http, chat_id, file) for file in files]
        return await in_order([*documents, partial(self._text, http, chat_id, message.body)])

    async def _text(self, http: httpx.AsyncClient, chat_id: str, text: str) -> Sent:
        answer = await post_json(
            http,
            f"{self._api_url}/bot{self._token}/sendMessage",
            payload={"chat_id": chat_id, "text": text},
            describe=describe_error,
            platform="Telegram",
            retry_after=_retry_after,
        )
        return _sent(chat_id, answer)

    async def _document(self, http: httpx.AsyncClient, chat_id: str, file: OutgoingFile) -> Sent:
        answer = await post_json(
            http,
            f"{self._api_url}/bot{self._token}/sendDocument",
            form={"chat_id": chat_id},
            files={"document": (file.filename, file.content, file.content_type)},
            describe=describe_error,
            platform="Telegram",
            retry_after=_retry_after,
        )
        return _sent(chat_id, answer)


def _sent(chat_id: str, answer: Any) -> Sent:
    result = answer.get("result") if isinstance(answer, dict) else None
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return Sent(provider_message_id=f"{chat_id}:{message_id}" if message_id is not None else None)


def describe_error(status: int, body: Any) -> str:
    if isinstance(body, dict) and body.get("description"):
        return f"Telegram error {body.get('error_code', status)}: {body['description']}"[:500]
    return f"Telegram HTTP {status}"


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    """Telegram says how long to wait in the body (`parameters.retry_after`), not in a header."""
    parameters = body.get("parameters") if isinstance(body, dict) else None
    wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(wait) if isinstance(wait, (int, float)) else None
