"""Replies through the X API v2: `POST {X_API_URL}/2/dm_conversations/with/{participant_id}/messages` with a
user-context bearer token (the account customers write to)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx

from ingest_social.http import post_json, retry_after_header
from ingest_social.models import SocialMessage
from ingest_social.platform import PlatformApi
from shared.ingest.outbound_files import OutgoingFile
from shared.ingest.sender import SendFailed, Sent


class XMessages(PlatformApi):
    platform = "X"
    token_setting = "X_ACCESS_TOKEN"

    async def send(self, http: httpx.AsyncClient, message: SocialMessage, files: Sequence[OutgoingFile] = ()) -> Sent:
        if files:
            raise SendFailed("not sent: X direct messages carry no files here", permanent=True)
        answer = await post_json(
            http,
            f"{self._api_url}/2/dm_conversations/with/{message.recipient}/messages",
            payload={"text": message.body},
            headers={"Authorization": f"Bearer {self._token}"},
            describe=describe_error,
            platform="X",
            retry_after=_retry_after,
        )
        data = answer.get("data") if isinstance(answer, dict) else None
        event_id = data.get("dm_event_id") if isinstance(data, dict) else None
        return Sent(provider_message_id=str(event_id) if event_id is not None else None)


def describe_error(status: int, body: Any) -> str:
    if isinstance(body, dict):
        errors = body.get("errors")
        if body.get("detail") or body.get("title"):
            return f"X HTTP {status}: {body.get('detail') or body.get('title')}"[:500]
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return f"X error {errors[0].get('code', status)}: {errors[0].get('message', '')}"[:500]
    return f"X HTTP {status}"


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    """X names the epoch second its rate-limit window resets (`x-rate-limit-reset`)."""
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return retry_after_header(response, body)
