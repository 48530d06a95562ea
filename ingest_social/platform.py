"""What every platform's send API client has: where the API is, the token it is called with, and what to say
when that token is not configured."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from shared.ingest.sender import SendFailed, Sent

Step = Callable[[], Awaitable[Sent]]


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


async def in_order(steps: Sequence[Step]) -> Sent:
    """Send the parts of a message (its files, then its text) one by one; answers what the last part was given.
    A failure after a part went out is final: trying again would send that part twice."""
    sent: Sent | None = None
    for done, step in enumerate(steps):
        try:
            sent = await step()
        except SendFailed as failure:
            if done == 0:
                raise
            raise SendFailed(
                f"{failure.error} (after {done} of {len(steps)} parts were sent; not tried again, so that nothing "
                "reaches the customer twice)",
                permanent=True,
                code=failure.code,
            ) from failure
    if sent is None:
        raise SendFailed("nothing to send", permanent=True)
    return sent
