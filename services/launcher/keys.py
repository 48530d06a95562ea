"""The admin API key: kept in DATA_DIR/admin.key (mode 600); services only ever see its SHA-256."""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from shared.settings import hash_api_key

KEY_FILE = "admin.key"


@dataclass(frozen=True)
class AdminKey:
    key: str
    path: Path
    is_new: bool

    @property
    def hash(self) -> str:
        return hash_api_key(self.key)


def load_or_generate(data_dir: Path) -> AdminKey:
    """The stored key, or a new one (not written yet: call `store` once start-up is known to go ahead)."""
    path = data_dir / KEY_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return AdminKey(key=key, path=path, is_new=False)
    return AdminKey(key=secrets.token_urlsafe(32), path=path, is_new=True)


def store(admin_key: AdminKey) -> None:
    """Write a new key readable by its owner only; tighten an existing file that others could read."""
    path = admin_key.path
    if not admin_key.is_new:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the file may have existed (empty) with a wider mode
        os.write(descriptor, (admin_key.key + "\n").encode())
    finally:
        os.close(descriptor)
