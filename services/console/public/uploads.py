"""Files a customer attaches to a public form: how many, how large, which kinds; what is refused says why (a
catalogue key and the file's name). Accepted files go to the gateway's `attachments` field, base64-encoded."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from shared.attachments import media_type, refusal
from shared.filenames import file_extensions, safe_filename

FIELD = "files"
READ_CHUNK = 64 * 1024
_GENERIC_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class UploadPolicy:
    max_files: int
    max_bytes: int
    max_total_bytes: int
    extensions: frozenset[str]  # ".pdf", ".jpg", ...


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes

    def as_attachment(self) -> dict[str, str]:
        """The gateway's attachment: {"filename", "content_type", "content_base64"}."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }


@dataclass(frozen=True)
class UploadProblem:
    key: str  # catalogue key of the reason
    filename: str = ""


def megabytes(size: int) -> int:
    """A size in whole megabytes, as a page states a limit (at least 1)."""
    return max(1, size // (1024 * 1024))


def file_values(filename: str, policy: UploadPolicy) -> dict[str, str | int]:
    """What a refused file's message names: the file and the limits it is held to."""
    return {
        "name": filename,
        "max_files": policy.max_files,
        "max_mb": megabytes(policy.max_bytes),
        "max_total_mb": megabytes(policy.max_total_bytes),
    }


def policy_from(*, max_files: int, max_bytes: int, max_total_bytes: int, extensions: str) -> UploadPolicy:
    names = {"." + part.strip().lower().lstrip(".") for part in extensions.split(",") if part.strip()}
    return UploadPolicy(max_files, max_bytes, max_total_bytes, frozenset(names))


async def read_uploads(form: FormData, policy: UploadPolicy) -> tuple[list[Upload], list[UploadProblem]]:
    """The files chosen in the form's file field (an empty choice is none), within the policy; every file read is
    bounded by the per-file limit, so a huge file costs no more than that."""
    chosen = [item for item in form.getlist(FIELD) if isinstance(item, UploadFile) and item.filename]
    if len(chosen) > policy.max_files:
        return [], [UploadProblem("public.files.too_many")]
    uploads: list[Upload] = []
    problems: list[UploadProblem] = []
    total = 0
    for item in chosen:
        name = safe_filename(item.filename) or ""
        content = await _read_bounded(item, policy.max_bytes)
        content_type = media_type(item.content_type or _GENERIC_TYPE)
        problem = _problem(name, content_type, content, policy)
        if problem is not None:
            problems.append(problem)
            continue
        total += len(content)
        uploads.append(Upload(name, content_type, content))
    if total > policy.max_total_bytes:
        problems.append(UploadProblem("public.files.too_large_together"))
    return uploads, problems


def _problem(name: str, content_type: str, content: bytes, policy: UploadPolicy) -> UploadProblem | None:
    if not name:
        return UploadProblem("public.files.no_name")
    if len(content) > policy.max_bytes:
        return UploadProblem("public.files.too_large", name)
    if not content:
        return UploadProblem("public.files.empty", name)
    extensions = file_extensions(name)
    if not extensions or extensions[-1] not in policy.extensions:
        return UploadProblem("public.files.type_refused", name)
    # The platform's own rule as well (the gateway applies it again): a program never, whatever it is called.
    if refusal(filename=name, content_type=content_type, content=content) is not None:
        return UploadProblem("public.files.type_refused", name)
    return None


async def _read_bounded(item: UploadFile, limit: int) -> bytes:
    """The file's bytes, or its first `limit` + 1 bytes when it is larger (enough to know it is too large)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await item.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
