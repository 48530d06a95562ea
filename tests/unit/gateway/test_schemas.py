"""What an integrator may send to POST /v1/messages."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from pydantic import ValidationError

from services.gateway.schemas import MessageRequest

VALID = {"channel": "email", "sender_address": "an@example.com", "text": "hello"}


def fields_in_error(body: Mapping[str, object]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        MessageRequest.model_validate(body)
    return {".".join(str(part) for part in error["loc"]) for error in caught.value.errors()}


def test_a_minimal_request_is_valid() -> None:
    assert MessageRequest.model_validate(VALID).text == "hello"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sender_adress": "typo@example.com"}, "sender_adress"),
        ({"channel": "pigeon"}, "channel"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"sender_address": " "}, "sender_address"),
        ({"language": "not a language"}, "language"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_invalid_fields_are_named(change: dict[str, object], field: str) -> None:
    assert field in fields_in_error({**VALID, **change})


@pytest.mark.parametrize("missing", ["channel", "sender_address", "text"])
def test_required_fields(missing: str) -> None:
    body = {name: value for name, value in VALID.items() if name != missing}
    assert missing in fields_in_error(body)


@pytest.mark.parametrize("language", ["vi", "en", "en-US", "zh-Hant-TW"])
def test_language_tags(language: str) -> None:
    assert MessageRequest.model_validate({**VALID, "language": language}).language == language


def test_text_up_to_the_limit_is_accepted() -> None:
    assert len(MessageRequest.model_validate({**VALID, "text": "x" * 20_000}).text) == 20_000
