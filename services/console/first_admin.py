"""First start: when no admin exists, create `admin` with a generated password in a file only its owner reads."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console import accounts, repository
from services.console.domain import NewUser
from shared.tokens import Role

log = logging.getLogger(__name__)

USERNAME = "admin"
PASSWORD_FILE = "console-admin.password"


def password_path(data_dir: Path) -> Path:
    return data_dir / PASSWORD_FILE


async def ensure_first_admin(
    sessions: async_sessionmaker[AsyncSession], *, data_dir: Path, language: str
) -> Path | None:
    """Create the first admin unless an admin exists; the file holding its password, or None when none was made."""
    async with sessions() as session:
        if await repository.admin_exists(session):
            return None
    new = NewUser(username=USERNAME, display_name="Administrator", role=Role.ADMIN, language=language)
    try:
        created = await accounts.create_user(sessions, new)
    except accounts.AccountRefused:  # another instance of the console created it first
        return None
    path = password_path(data_dir)
    _write_private(path, created.password)
    log.info("created the first console admin %r; its password is in %s (mode 600)", USERNAME, path)
    return path


def _write_private(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the file may have existed with a wider mode
        os.write(descriptor, (secret + "\n").encode())
    finally:
        os.close(descriptor)
