"""Replies through the Bot API: `POST {TELEGRAM_API_URL}/bot{token}/sendMessage` to the chat the customer wrote in."""

from __future__ import annotations

from typing import Any

import httpx

from ingest_social.http import post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi
from shared.ingest.sender import Sent


class TelegramMessages(PlatformApi):
    platform = "Telegram"
    token_setting = "TELEGRAM_BOT_TOKEN"

    async def send(self, http: httpx.AsyncClient, message: SocialMessage) -> Sent:
        chat_id = message.conversation_id or message.recipient
        answer = await post_json(
            http,
            f"{self._api_url}/bot{self._token}/sendMessage",
            payload={"chat_id": chat_id, "text": message.body},
            describe=describe_error,
            platform="Telegram",
            retry_after=_retry_after,
        )
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
