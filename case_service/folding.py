"""Folding text for comparison: `Đơn hàng GIAO chậm!` and `don hang giao cham` fold to the same string."""

from __future__ import annotations

import unicodedata

# Letters NFD does not decompose into a base letter and a combining mark.
_SPECIAL_LETTERS = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower-case, without diacritics (`đ` -> `d`), punctuation as spaces, whitespace collapsed to single spaces.

    Letters and digits of any script survive; everything else (punctuation, symbols, emoji) separates words.
    """
    lowered = text.casefold().translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFD", lowered)
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return " ".join(kept.split())
