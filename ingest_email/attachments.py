"""Attachments stored content-addressed under DATA_DIR/attachments/<first two hex digits>/<sha256>: the same file
sent twice is stored once, and a write is atomic (a temporary file renamed into place)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, content: bytes) -> Path:
        """Store `content` under its sha256 (computed by the caller) unless it is there already."""
        path = self.path_of(sha256)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path
