"""Which attachments are accepted, and the content-addressed store they are kept in, for every service that keeps
customers' (or agents') files.

An attachment is judged by its name (made safe first: see shared/filenames.py), its declared type, its size and its
first bytes: a program is refused whatever it calls itself. Accepted ones are stored content-addressed under
`<root>/<first two hex digits>/<sha256>`: the same file sent twice is stored once, and a write is atomic (a temporary
file, synced, renamed into place), so a reader never sees half a file.

Each service keeps its own store, `DATA_DIR/attachments/<service>/` (`store_root`), and serves it itself (see
shared.attachment_route); ingest_email keeps `DATA_DIR/attachments/` as before, where its stored mails already are
(no service name is two hex digits, so the two layouts never collide).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from shared.filenames import file_extensions, safe_filename
from shared.problems import Problem

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MIB

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
OCTET_STREAM = "application/octet-stream"
# type/subtype, each an RFC 9110 token; parameters (`; charset=...`) are dropped by `media_type`.
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,127}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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


def too_large(size: int, max_bytes: int) -> str | None:
    """The refusal of a file over the limit, in the words every service uses."""
    return f"larger than {max_bytes} bytes" if size > max_bytes else None


def base64_length(size: int) -> int:
    """How many characters `size` bytes take in padded base64."""
    return 4 * -(-size // 3)


def media_type(declared: str | None) -> str:
    """The declared type as `type/subtype`, lower-cased, without parameters; application/octet-stream when it is
    missing or not a media type (it goes into a response header: nothing else may come through)."""
    bare = (declared or "").partition(";")[0].strip().lower()
    return bare if _MEDIA_TYPE.match(bare) else OCTET_STREAM


def is_sha256(value: str) -> bool:
    """A lower-case hex SHA-256: the only names a store has (so a name never walks out of the store)."""
    return _SHA256.match(value) is not None


@dataclass(frozen=True)
class Accepted:
    """A file that passed: its safe name, its declared type (as a media type), its bytes and their sha256."""

    filename: str | None
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


class Refused(ValueError):
    """A file that did not pass; `filename` is its safe name, `reason` says why (safe to show)."""

    def __init__(self, filename: str | None, reason: str) -> None:
        super().__init__(f"{filename or 'an attachment'}: {reason}")
        self.filename = filename
        self.reason = reason


def judge(*, filename: str | None, content_type: str | None, content: bytes, max_bytes: int) -> Accepted:
    """The file as it will be kept (safe name, media type, sha256), or Refused (too large, a type or a program that
    is not accepted)."""
    name = safe_filename(filename)
    declared = media_type(content_type)
    reason = too_large(len(content), max_bytes) or refusal(filename=name, content_type=declared, content=content)
    if reason is not None:
        raise Refused(name, reason)
    return Accepted(filename=name, content_type=declared, content=content, sha256=hashlib.sha256(content).hexdigest())


class Unreadable(ValueError):
    """An upload whose base64 is not base64; `filename` names it (made safe)."""

    def __init__(self, filename: str | None) -> None:
        super().__init__(f"{filename or 'an attachment'}: content_base64 is not valid base64")
        self.filename = filename


def upload_problem(error: Refused | Unreadable, *, then: str = "") -> Problem:
    """The 422 answer to a file sent as base64 that cannot be taken (`attachment-refused` with `filename` and `reason`,
    or `attachment-unreadable` with `filename`); `then` is said after the reason (" Nothing was accepted.")."""
    name = error.filename or "An attachment"
    if isinstance(error, Refused):
        return Problem(
            422,
            "attachment-refused",
            "Attachment refused",
            f"{name}: {error.reason}.{then}",
            filename=error.filename,
            reason=error.reason,
        )
    return Problem(
        422,
        "attachment-unreadable",
        "Attachment unreadable",
        f"{name}: content_base64 is not valid base64.{then}",
        filename=error.filename,
    )


def decode_upload(*, filename: str | None, content_type: str | None, content_base64: str, max_bytes: int) -> Accepted:
    """A file sent as base64 (line breaks ignored), decoded and judged; raises Unreadable or Refused. One whose
    base64 alone is too long is refused unread."""
    encoded = "".join(content_base64.split())
    if len(encoded) > base64_length(max_bytes):
        raise Refused(safe_filename(filename), f"larger than {max_bytes} bytes")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable(safe_filename(filename)) from None
    return judge(filename=filename, content_type=content_type, content=content, max_bytes=max_bytes)


def store_root(data_dir: Path, service: str) -> Path:
    """Where `service` keeps its files: DATA_DIR/attachments/<service>/."""
    return data_dir / "attachments" / service


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def find(self, sha256: str) -> Path | None:
        """The stored file of `sha256`, or None (also for anything that is not a sha256)."""
        if not is_sha256(sha256):
            return None
        path = self.path_of(sha256)
        return path if path.is_file() else None

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
                file.flush()
                os.fsync(file.fileno())  # on disk before the message naming it is: "accepted" means durable
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path
