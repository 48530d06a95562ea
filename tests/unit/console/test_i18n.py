"""The message catalogue: every string in both languages, every key the templates and screens use exists, and the
language of a page comes from the user, then the browser's choice, then Accept-Language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import services.console
from services.console.i18n import Translator, choose_language, from_accept_language
from services.console.messages import MESSAGES

PACKAGE = Path(services.console.__file__).parent
# t("key") / t('key') in templates and Python; keys built at run time ("role." ~ x) are checked below.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
KEY_IN_PYTHON = re.compile(r"""["']((?:[a-z_]+)\.[a-z_]+)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    english, vietnamese = MESSAGES[key]
    assert english.strip() and vietnamese.strip()
    assert placeholders(english) == placeholders(vietnamese)


def test_every_key_the_templates_use_is_in_the_catalogue() -> None:
    used = {key for path in (PACKAGE / "templates").rglob("*.html") for key in LITERAL_KEY.findall(path.read_text())}
    assert used, "the pattern finds the keys"
    assert sorted(used - MESSAGES.keys()) == []


def test_every_key_the_python_code_names_is_in_the_catalogue() -> None:
    prefixes = {key.split(".")[0] for key in MESSAGES}
    named = {
        key
        for path in PACKAGE.rglob("*.py")
        if path.name not in {"messages.py", "models.py"} and "migrations" not in path.parts
        for key in KEY_IN_PYTHON.findall(path.read_text())
        if key.split(".")[0] in prefixes and not key.endswith((".py", ".html", ".css", ".js", ".db", ".password"))
    }
    assert sorted(named - MESSAGES.keys()) == []


def test_keys_made_from_values_exist_for_every_value() -> None:
    for role in ("admin", "supervisor", "agent"):
        assert f"role.{role}" in MESSAGES
    for language in ("vi", "en"):
        assert f"lang.{language}" in MESSAGES
    for service in ("gateway", "case_service", "router_service"):
        assert f"service.{service}" in MESSAGES
    for kind in ("unreachable", "timeout", "refused", "invalid", "not_configured"):
        assert f"service_error.{kind}" in MESSAGES


def test_the_translator_fills_placeholders_in_the_chosen_language() -> None:
    assert Translator("en")("login.throttled", minutes=3) == "Too many attempts. Try again in 3 min."
    assert Translator("vi")("login.throttled", minutes=3) == "Quá nhiều lần thử. Hãy thử lại sau 3 phút."
    assert Translator("en")("no.such_key") == "no.such_key"


def test_accept_language_picks_the_preferred_supported_language() -> None:
    assert from_accept_language("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7") == "vi"
    assert from_accept_language("en-GB,en;q=0.9,vi;q=0.8") == "en"
    assert from_accept_language("fr-FR,fr;q=0.9,en;q=0.5,vi;q=0.6") == "vi"
    assert from_accept_language("de, ja") is None
    assert from_accept_language("vi;q=0, en;q=0.1") == "en"
    assert from_accept_language("en;q=banana, vi") == "vi"
    assert from_accept_language("," * 100_000 + "en") is None, "read no further than a bounded prefix"


def test_the_user_choice_comes_first_then_the_cookie_then_the_browser() -> None:
    assert choose_language(user="en", cookie="vi", accept_language="vi", default="vi") == "en"
    assert choose_language(user=None, cookie="en", accept_language="vi", default="vi") == "en"
    assert choose_language(user=None, cookie="xx", accept_language="en-US", default="vi") == "en"
    assert choose_language(user=None, cookie=None, accept_language="", default="vi") == "vi"
