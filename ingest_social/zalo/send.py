"""Replies through the Zalo OA API: `POST {ZALO_API_URL}/v3.0/oa/message/cs` (a customer-service message, allowed
in answer to the user), the OA access token in the `access_token` header.

Zalo answers HTTP 200 even when it refuses: the verdict is the body's `error` (0 is success).
"""

from __future__ import annotations

from typing import Any

import httpx

from ingest_social.http import post_json
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi
from shared.ingest.sender import SendFailed, Sent

SEND_PATH = "/v3.0/oa/message/cs"
# Zalo's "too many requests" style codes (its docs list -32 for the request quota): worth trying later.
_TRANSIENT_CODES = frozenset({-32})


class ZaloMessages(PlatformApi):
    platform = "Zalo"
    token_setting = "ZALO_ACCESS_TOKEN"

    async def send(self, http: httpx.AsyncClient, message: SocialMessage) -> Sent:
        answer = await post_json(
            http,
            self._api_url + SEND_PATH,
            payload={"recipient": {"user_id": message.recipient}, "message": {"text": message.body}},
            headers={"access_token": self._token or ""},
            describe=describe_error,
            platform="Zalo",
        )
        code = answer.get("error") if isinstance(answer, dict) else None
        if code not in (0, None):
            number = code if isinstance(code, int) else None
            raise SendFailed(describe_error(200, answer), permanent=number not in _TRANSIENT_CODES, code=number)
        data = answer.get("data") if isinstance(answer, dict) else None
        message_id = data.get("message_id") if isinstance(data, dict) else None
        return Sent(provider_message_id=str(message_id) if message_id is not None else None)


def describe_error(status: int, body: Any) -> str:
    if isinstance(body, dict) and body.get("error") not in (0, None):
        return f"Zalo error {body.get('error')}: {body.get('message', '')}"[:500]
    return f"Zalo HTTP {status}"
