"""Decoding bytes whose charset a mail declares, often wrongly: the declared charset first (under the name
Python knows it by, widened to its superset when senders use the two interchangeably), then UTF-8, then other
charsets the same message declares, and as a last resort the declared charset (or windows-1252) with
replacement characters, flagged as a fallback. Never raises."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ingest_email import viscii

viscii.register()

# Labels seen in real mail that Python does not know, misspells, or that senders use for a superset.
_ALIASES = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "windows-1258": "cp1258",
    "x-viet-vps": "",
    "tcvn": "",
    "latin1": "iso-8859-1",
}
FALLBACK = "cp1252"


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the codec that decoded it
    fallback: bool  # decoded with replacement characters, or by a guess: the declaration did not fit


def codec_for(label: str | None) -> str | None:
    """Python's codec for a declared charset label, or None when it is unknown or says nothing."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None, *, hints: Iterable[str | None] = ()) -> Decoded:
    """`data` as text: see the module's docstring for the order of attempts."""
    codec = codec_for(declared)
    if codec == "ascii":
        codec = None  # 8-bit text labelled US-ASCII is common: let UTF-8 and the hints try it
    tried: list[str] = []
    for candidate in (codec, "utf-8", *(codec_for(hint) for hint in hints)):
        if candidate is None or candidate in tried or candidate == "ascii":
            continue
        tried.append(candidate)
        try:
            return Decoded(_nfc(data.decode(candidate)), candidate, fallback=candidate != (codec or "utf-8"))
        except (UnicodeDecodeError, LookupError):
            continue
        except Exception:  # some codecs (iso-2022 family) raise other errors on garbage
            continue
    last = codec or FALLBACK
    try:
        return Decoded(_nfc(data.decode(last, errors="replace")), last, fallback=True)
    except Exception:
        return Decoded(_nfc(data.decode(FALLBACK, errors="replace")), FALLBACK, fallback=True)


def _nfc(text: str) -> str:
    """Composed characters: windows-1258 writes Vietnamese tone marks as combining characters."""
    return unicodedata.normalize("NFC", text)
