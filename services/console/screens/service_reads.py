"""Reading a screen's data from the services so that the screen still opens when they cannot answer: the page shows
its own heading, menu and forms, and says in the reader's language what could not be read, where the data would be
(the floor, the first page after signing in, must open even when the services are down)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

from services.console import auth, errors
from services.console.i18n import Translator
from services.console.services_client import Api, ServiceError
from services.console.sessions import SignedIn

T = TypeVar("T")
log = logging.getLogger(__name__)


async def read(
    request: Request, user: SignedIn, t: Translator, load: Callable[[Api], Awaitable[T]]
) -> tuple[T | None, str]:
    """What `load` reads with the user's own token, and "" ; or None and the sentence saying why it could not."""
    try:
        return await load(await auth.user_api(request, user)), ""
    except ServiceError as error:
        log.warning("%s answered %s (%s) on %s", error.service.value, error.kind, error.status, request.url.path)
        return None, errors.describe_service_error(error, t)
