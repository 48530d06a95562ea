"""Generated secrets kept in DATA_DIR, mode 600: the admin API key (services only ever see its SHA-256), the key
that signs access tokens and the one that signs attachment download links (handed to the services that need them,
never printed)."""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from shared.settings import hash_api_key

KEY_FILE = "admin.key"
TOKEN_KEY_FILE = "token.key"
LINK_KEY_FILE = "attachment-link.key"


@dataclass(frozen=True)
class StoredKey:
    key: str
    path: Path
    is_new: bool

    @property
    def hash(self) -> str:
        return hash_api_key(self.key)


def load_or_generate(data_dir: Path, file_name: str = KEY_FILE) -> StoredKey:
    """The stored key, or a new one (not written yet: call `store` once start-up is known to go ahead)."""
    path = data_dir / file_name
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return StoredKey(key=key, path=path, is_new=False)
    # 32 random bytes: 43 characters, above the 32 the token signing key needs.
    return StoredKey(key=secrets.token_urlsafe(32), path=path, is_new=True)


def store(stored: StoredKey) -> None:
    """Write a new key readable by its owner only; tighten an existing file that others could read."""
    path = stored.path
    if not stored.is_new:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the file may have existed (empty) with a wider mode
        os.write(descriptor, (stored.key + "\n").encode())
    finally:
        os.close(descriptor)
