"""What every platform's send API client has: where the API is, the token it is called with, and what to say
when that token is not configured."""

from __future__ import annotations

from typing import ClassVar


class PlatformApi:
    """A send API reached with one token; subclasses name the platform and the setting that holds the token."""

    platform: ClassVar[str]
    token_setting: ClassVar[str]

    def __init__(self, *, api_url: str, token: str | None) -> None:
        self._api_url = api_url
        self._token = token

    @property
    def not_configured(self) -> str | None:
        """Why nothing can be sent on the platform (its token is missing), or None."""
        if self._token is None:
            return f"{self.platform} sending is not configured (INGEST_SOCIAL_{self.token_setting})"
        return None
