"""Which attachments are accepted, and where they are stored.

An attachment is judged by its name (made safe first: see shared/filenames.py), its declared type and its first
bytes: a program is refused whatever it calls itself. Accepted ones are stored content-addressed under
DATA_DIR/attachments/<first two hex digits>/<sha256>: the same file sent twice is stored once, and a write is atomic
(a temporary file renamed into place)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from pathlib import Path

from shared.filenames import file_extensions

BLOCKED_TYPES = frozenset(
    {
        "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec", "application/x-sh",
        "application/x-executable", "application/x-elf", "application/x-mach-binary", "application/x-msi",
        "application/x-ms-shortcut", "application/hta", "application/x-bat", "text/x-shellscript",
    }
)  # fmt: skip
BLOCKED_EXTENSIONS = frozenset(
    {
        ".exe", ".bat", ".cmd", ".com", ".scr", ".pif", ".cpl", ".dll", ".msi", ".msp", ".js", ".jse", ".vbs",
        ".vbe", ".wsf", ".wsh", ".ps1", ".hta", ".jar", ".lnk", ".reg", ".scf", ".sh", ".app",
    }
)  # fmt: skip
# What a program starts with: Windows (MZ), Linux (ELF), macOS (Mach-O thin and fat; the fat magic is also a Java
# class file's), a Windows shortcut, and any script the kernel would run (#!, after an optional UTF-8 BOM).
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf",
    b"L\x00\x00\x00\x01\x14\x02\x00",
    b"#!", b"\xef\xbb\xbf#!",
)  # fmt: skip
REFUSED_TYPE = "a type that is not accepted"
REFUSED_PROGRAM = "a program (judged by its content)"


def refusal(
    *,
    filename: str | None,
    content_type: str,
    content: bytes,
    blocked_types: Collection[str] = BLOCKED_TYPES,
    blocked_extensions: Collection[str] = BLOCKED_EXTENSIONS,
) -> str | None:
    """Why the attachment is refused, or None. `filename` is the safe name (shared.filenames.safe_filename)."""
    extensions = file_extensions(filename or "")
    if content_type.lower() in blocked_types or any(extension in blocked_extensions for extension in extensions):
        return REFUSED_TYPE
    if content.startswith(_PROGRAM_MAGIC):
        return REFUSED_PROGRAM
    return None


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
