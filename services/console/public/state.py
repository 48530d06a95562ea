"""What the public pages hold while the console runs (`app.state.public`), built in the app's lifespan; the paths
they own, which the CSRF guard leaves to their own signed form tokens; and the larger body limit of their forms."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from services.console.pages import Pages
from services.console.public.access import PublicAccess
from services.console.public.forms import FormTokens
from services.console.public.limits import LimitPolicy, Limits
from services.console.public.paths import takes_uploads
from services.console.public.render import PublicPages
from services.console.public.uploads import UploadPolicy, megabytes, policy_from
from services.console.services_client import ServicesClient
from shared.middleware import BodySizeLimit

if TYPE_CHECKING:
    from services.console.settings import ConsoleSettings

log = logging.getLogger(__name__)

FORM_KEY_FILE = "console-form.key"
# An upload form's body holds every file at once, plus its text fields.
FIELDS_ALLOWANCE = 256 * 1024


@dataclass
class PublicState:
    settings: ConsoleSettings
    pages: PublicPages
    forms: FormTokens
    limits: Limits
    uploads: UploadPolicy
    access: PublicAccess

    @property
    def receipt_wait(self) -> timedelta:
        return timedelta(seconds=self.settings.receipt_wait_seconds)


def public_state(request: Request) -> PublicState:
    return cast(PublicState, request.app.state.public)


def build(
    settings: ConsoleSettings, *, pages: Pages, db: async_sessionmaker[AsyncSession], client: ServicesClient
) -> PublicState:
    window = timedelta(minutes=settings.public_window_minutes)
    return PublicState(
        settings=settings,
        pages=PublicPages(pages, default_language=settings.default_language),
        forms=FormTokens(
            key=form_key(settings),
            min_age=timedelta(seconds=settings.form_min_seconds),
            max_age=timedelta(hours=settings.form_max_age_hours),
        ),
        limits=Limits(
            db,
            LimitPolicy(
                per_address=settings.complaints_per_address,
                per_client=settings.complaints_per_client,
                per_link=settings.status_messages_per_link,
                window=window,
            ),
        ),
        uploads=upload_policy(settings),
        access=PublicAccess(client),
    )


def upload_policy(settings: ConsoleSettings) -> UploadPolicy:
    return policy_from(
        max_files=settings.upload_max_files,
        max_bytes=settings.upload_max_bytes,
        max_total_bytes=settings.upload_max_total_bytes,
        extensions=settings.upload_extensions,
    )


def form_key(settings: ConsoleSettings) -> bytes:
    """CONSOLE_FORM_KEY, else the key in DATA_DIR/console-form.key (written once, mode 600, on the first start)."""
    if settings.form_key is not None:
        return settings.form_key.get_secret_value().encode()
    path = Path(settings.data_dir) / FORM_KEY_FILE
    if path.exists() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    try:
        os.write(descriptor, (key + "\n").encode())
    finally:
        os.close(descriptor)
    log.info("generated the public forms' signing key into %s", path)
    return key.encode()


class BodyLimits:
    """The body size limit of each request: the console's small one, or the upload forms' larger one."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int) -> None:
        self._small = BodySizeLimit(app, max_bytes=max_bytes)
        self._large = BodySizeLimit(app, max_bytes=max(max_bytes, upload_max_bytes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (scope["type"] == "http" and takes_uploads(path)):
            await self._small(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self._large.max_bytes:
            # A person chose files far too large: a page in their language says so, not a bare 413.
            request = Request(scope)
            state = public_state(request)
            limit_mb = megabytes(state.settings.upload_max_total_bytes)
            reason = ("public.files.body_too_large", limit_mb)
            page = state.pages.render(request, "refused.html", {"reason": reason}, status=413)
            await page(scope, receive, send)
            return
        await self._large(scope, receive, send)


def upload_body_limit(settings: ConsoleSettings) -> int:
    """The largest body an upload form may send: every file at its limit, and its text fields."""
    return settings.upload_max_total_bytes + FIELDS_ALLOWANCE
