"""Message-ID, In-Reply-To and References, tokenized by hand: the email library's header registry treats the
last two as unstructured, and real mail puts comments, commas, missing brackets and line breaks in them."""

from __future__ import annotations

import re

_BRACKETED = re.compile(r"<\s*([^<>\s]+?)\s*>")
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
# Runs of id characters; a run with an `@` inside is a bare id. (Not `[^...]+@[^...]+`: from every start in a long
# run without an `@`, that pattern scans to the run's end, quadratic in its length.)
_RUN = re.compile(r"[^\s<>,;()\"]+")
MAX_IDS = 100
MAX_ID_LENGTH = 500


def message_ids(value: str | None) -> tuple[str, ...]:
    """Every message id in a header value, as `<id>`, in order, each once. Ids without angle brackets are taken
    when they look like `local@domain`."""
    if not value:
        return ()
    text = _COMMENT.sub(" ", value)
    found = [match.group(1) for match in _BRACKETED.finditer(text)]
    if not found:
        found = [run for run in _RUN.findall(text) if "@" in run[1:-1]]
    unique: dict[str, None] = {}
    for token in found:
        token = token.strip()
        if token and len(token) <= MAX_ID_LENGTH:
            unique.setdefault(f"<{token}>", None)
    return tuple(unique)[:MAX_IDS]


def first_id(value: str | None) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None
