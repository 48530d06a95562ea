"""Header values as text: raw 8-bit bytes decoded (UTF-8 per RFC 6532, else the message's charsets), RFC 2047
encoded words decoded by hand (the library's decoder raises on broken base64 and splits multi-byte characters
across words), folding undone."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from email.utils import getaddresses

from ingest_email.charsets import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t]*$")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_LINE_BREAKS = re.compile(r"[\r\n]+")
MAX_HEADER_CHARS = 20_000
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


def raw_to_text(value: str, *, hints: Iterable[str | None] = ()) -> str:
    """A header value as parsed (8-bit bytes kept as surrogate escapes) to text, unfolded, words decoded."""
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None, hints=hints).text
    value = _LINE_BREAKS.sub(" ", _FOLD.sub("", value[:MAX_HEADER_CHARS]))
    return decode_words(value, hints=hints).strip()


def decode_words(value: str, *, hints: Iterable[str | None] = ()) -> str:
    """RFC 2047 encoded words decoded; blanks between two adjacent words dropped; adjacent words in one charset
    decoded together (a multi-byte character may be split across them)."""
    pieces: list[tuple[str | None, bytes | str]] = []  # (charset, bytes) for words, (None, text) between
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pieces and pieces[-1][0] is not None and _BETWEEN_WORDS.match(between)):
            pieces.append((None, between))
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2).upper(), match.group(3))
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            previous = pieces[-1][1]
            assert isinstance(previous, bytes)
            pieces[-1] = (pieces[-1][0], previous + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    if not pieces:
        return value
    tail = value[position:]
    if tail:
        pieces.append((None, tail))
    out = []
    for charset, piece in pieces:
        if charset is None:
            assert isinstance(piece, str)
            out.append(piece)
        else:
            assert isinstance(piece, bytes)
            out.append(decode_bytes(piece, charset, hints=hints).text)
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding == "B":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    data = text.replace("_", " ").encode("ascii", "replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


def addresses(value: str | None) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header's text; those without an `@` are dropped."""
    if not value:
        return []
    try:
        pairs = getaddresses([value])
    except Exception:
        pairs = []
    found = [(name.strip(), address.strip()) for name, address in pairs if _ADDRESS.match(address.strip())]
    if not found:
        # e.g. `Name address@host` without brackets, or several addresses without commas
        tokens = (token.strip("<>,;\"'()") for token in value.split())
        found = [("", token) for token in tokens if _ADDRESS.match(token)]
    return found
