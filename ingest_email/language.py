"""A guess at the language of a mail's text from its script, good enough to pick the acknowledgement's wording;
the declared Content-Language wins when present."""

from __future__ import annotations

import re

_VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_LATIN_WORD = re.compile(r"\b(?:the|and|you|your|please|order|not|with)\b", re.IGNORECASE)


def guess_language(text: str, declared: str | None = None) -> str | None:
    if declared:
        primary = declared.split(",")[0].strip().split("-")[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    sample = text[:5000]
    if len(_VIETNAMESE.findall(sample)) >= 2:
        return "vi"
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    if _HAN.search(sample):
        return "zh"
    if _CYRILLIC.search(sample):
        return "ru"
    if _THAI.search(sample):
        return "th"
    if len(_LATIN_WORD.findall(sample)) >= 2:
        return "en"
    return None
