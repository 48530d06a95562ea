"""Telegram's webhook check: the secret_token given to setWebhook comes back in a header on every update."""

from __future__ import annotations

from shared.ingest.signatures import same_text

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def is_authentic(secret_token: str, *, header: str | None) -> bool:
    if not header:
        return False
    return same_text(header, secret_token)
