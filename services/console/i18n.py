"""Which language a page is in, and the translator templates call as `t(key, **values)`."""

from __future__ import annotations

from services.console.domain import LANGUAGES
from services.console.messages import MESSAGES

LANGUAGE_COOKIE = "console_lang"
# An Accept-Language header is read no further than this: bounded work whatever a client sends.
MAX_ACCEPT_LANGUAGE = 256
# The order of the two texts of each entry in services.console.messages.
CATALOGUE_ORDER = ("en", "vi")


def from_accept_language(header: str) -> str | None:
    """The first supported language in the header by preference (q), or None."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in LANGUAGES:
            continue
        quality = _quality(params)
        if quality > 0 and (best is None or (quality, -position) > (best[0], best[1])):
            best = (quality, -position, language)
    return best[2] if best is not None else None


def _quality(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 0.0


def choose_language(*, user: str | None, cookie: str | None, accept_language: str, default: str) -> str:
    """A signed-in user's own choice; else the browser's chosen cookie; else its Accept-Language; else the default."""
    for choice in (user, cookie):
        if choice in LANGUAGES:
            return choice
    return from_accept_language(accept_language) or default


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language
        self._index = CATALOGUE_ORDER.index(language) if language in CATALOGUE_ORDER else 0

    def __call__(self, key: str, **values: object) -> str:
        texts = MESSAGES.get(key)
        if texts is None:
            return key  # a missing key shows itself (and the catalogue test names it)
        text = texts[self._index]
        return text.format_map({name: str(value) for name, value in values.items()}) if values else text
